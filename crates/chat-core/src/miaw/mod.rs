//! Messaging for In-App and Web (MIAW) client session: in progress (issue 4).
