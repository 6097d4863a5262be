//! Legacy Live Chat (Chat REST API) client session: in progress (issue 5).
