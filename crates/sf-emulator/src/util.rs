//! Small helpers: clock, ids, JSON body parsing, HS256 JWTs.

use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Flavor};

/// Wall-clock epoch milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A fresh lowercase UUID v4.
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// True for a lowercase, hyphenated UUID (any version).
pub fn is_lower_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36 && !s.chars().any(|c| c.is_ascii_uppercase())
}

/// Parse a JSON body; bad JSON becomes a 400 in the given flavour.
pub fn parse_json<T: DeserializeOwned>(flavor: Flavor, body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::new(
            flavor,
            StatusCode::BAD_REQUEST,
            "Request body is required",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            flavor,
            StatusCode::BAD_REQUEST,
            format!("Invalid request body: {e}"),
        )
    })
}

/// A header as a trimmed string, if present and valid.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn hs256(secret: &str, data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; new_from_slice cannot fail for HMAC.
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Sign claims as an HS256 JWT.
pub fn jwt_sign(secret: &str, claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"sf-emulator"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(hs256(secret, signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

/// Why a JWT was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    Malformed,
    BadSignature,
    Expired,
}

/// Verify an HS256 JWT and return its claims (checks `exp` when present).
pub fn jwt_verify(secret: &str, token: &str) -> Result<serde_json::Value, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(JwtError::Malformed)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(JwtError::Malformed);
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let expected = hs256(secret, format!("{h}.{p}").as_bytes());
    if !constant_time_eq(&sig, &expected) {
        return Err(JwtError::BadSignature);
    }
    let claims: serde_json::Value = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(JwtError::Malformed)?;
    if let Some(exp) = claims.get("exp").and_then(|e| e.as_f64()) {
        if (now_ms() as f64) / 1000.0 >= exp {
            return Err(JwtError::Expired);
        }
    }
    Ok(claims)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_round_trip() {
        let claims = serde_json::json!({"sub": "abc", "exp": now_ms() / 1000 + 60});
        let t = jwt_sign("k", &claims);
        assert_eq!(jwt_verify("k", &t).unwrap()["sub"], "abc");
        assert_eq!(jwt_verify("other", &t), Err(JwtError::BadSignature));
        assert_eq!(jwt_verify("k", "a.b"), Err(JwtError::Malformed));
        let old = jwt_sign("k", &serde_json::json!({"sub": "abc", "exp": 1}));
        assert_eq!(jwt_verify("k", &old), Err(JwtError::Expired));
    }

    #[test]
    fn uuid_shape() {
        assert!(is_lower_uuid(&uuid()));
        assert!(!is_lower_uuid("3F6C8A2E-1B4D-4C7A-9E2F-5A6B7C8D9E01"));
        assert!(!is_lower_uuid("nope"));
    }
}
