//! Thin wrappers over the browser APIs the driver needs: fetch, sessionStorage, the clock,
//! random ids and the console. Nothing here makes a decision; the core does.

use chat_core::{HttpError, HttpRequest, HttpResponse, Millis};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, RequestMode, Response};

/// Milliseconds since the Unix epoch (the only clock read of the widget).
pub fn now() -> Millis {
    web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// A lowercase UUID v4 from `crypto.getRandomValues` (works on plain-http pages too, unlike
/// `crypto.randomUUID`).
pub fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    if !filled {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Where a value is kept: per tab (`sessionStorage`) or shared by the site's tabs
/// (`localStorage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Session,
    Local,
}

fn storage(store: Store) -> Option<web_sys::Storage> {
    // Access can throw (storage disabled, sandboxed iframe): then nothing is persisted.
    let w = web_sys::window()?;
    match store {
        Store::Session => w.session_storage().ok().flatten(),
        Store::Local => w.local_storage().ok().flatten(),
    }
}

pub fn storage_get(store: Store, key: &str) -> Option<String> {
    storage(store)?.get_item(key).ok().flatten()
}

pub fn storage_set(store: Store, key: &str, value: &str) {
    thread_local! {
        /// A save failed and was reported: said once until a save works again (saves are
        /// batched, but a full storage would otherwise warn four times a second).
        static FAILING: [std::cell::Cell<bool>; 2] =
            const { [std::cell::Cell::new(false), std::cell::Cell::new(false)] };
    }
    let which = usize::from(store == Store::Local);
    if let Some(s) = storage(store) {
        match s.set_item(key, value) {
            Ok(()) => FAILING.with(|f| f[which].set(false)),
            Err(e) if !FAILING.with(|f| f[which].replace(true)) => warn(&format!(
                "chat widget: could not save the conversation in {} (key {key}, {} characters): {}; the chat goes on, but a reload may lose what was not saved",
                match store {
                    Store::Session => "sessionStorage",
                    Store::Local => "localStorage",
                },
                value.len(),
                js_error_text(&e)
            )),
            Err(_) => {}
        }
    }
}

pub fn storage_remove(store: Store, key: &str) {
    if let Some(s) = storage(store) {
        let _ = s.remove_item(key);
    }
}

/// `document.hidden`: the page is in a background tab.
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

pub fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}

pub fn error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(message));
}

/// `<html lang>` of the host page.
pub fn page_language() -> Option<String> {
    let lang = web_sys::window()?
        .document()?
        .document_element()?
        .get_attribute("lang")?;
    Some(lang).filter(|l| !l.trim().is_empty())
}

/// `navigator.languages`, most preferred first.
pub fn browser_languages() -> Vec<String> {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let list: Vec<String> = nav
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if list.is_empty() {
        nav.language().into_iter().collect()
    } else {
        list
    }
}

/// Local time of day for a message ("14:05", "2:05 PM"), in the widget's language.
pub fn format_time(millis: Millis, language: &str) -> Option<String> {
    thread_local! {
        /// One `Intl.DateTimeFormat` per language: building one is what makes
        /// `toLocaleTimeString` slow.
        static FORMATS: std::cell::RefCell<Vec<(String, js_sys::Function)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let format = FORMATS.with(|f| {
        let mut f = f.borrow_mut();
        if let Some((_, format)) = f.iter().find(|(l, _)| l == language) {
            return Some(format.clone());
        }
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        // Built with `Reflect` so that a tag the browser refuses is an error, not a throw.
        let make = |tag: &str| -> Option<js_sys::Function> {
            let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
            let ctor = js_sys::Reflect::get(&intl, &"DateTimeFormat".into()).ok()?;
            let args = js_sys::Array::of2(&tag.into(), &options);
            let dtf =
                js_sys::Reflect::construct(ctor.dyn_ref::<js_sys::Function>()?, &args).ok()?;
            js_sys::Reflect::get(&dtf, &"format".into())
                .ok()?
                .dyn_into()
                .ok()
        };
        let format = make(language).or_else(|| make("en"))?;
        f.push((language.to_string(), format.clone()));
        Some(format)
    })?;
    let date = js_sys::Date::new(&JsValue::from_f64(millis as f64));
    format.call1(&JsValue::NULL, &date).ok()?.as_string()
}

/// ISO 8601 UTC time ("2026-11-22T14:05:00.000Z").
pub fn iso_time(millis: Millis) -> String {
    js_sys::Date::new(&JsValue::from_f64(millis as f64))
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

pub(crate) fn js_error_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| format!("{}: {}", e.name(), e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Eight random bytes (MIAW ids and reconnect jitter are drawn from a PRNG seeded with them).
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    if !filled {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    u64::from_le_bytes(bytes)
}

/// `navigator.userAgent`.
pub fn user_agent() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default()
}

/// The screen size, `1920x1080`.
pub fn screen_size() -> String {
    web_sys::window()
        .and_then(|w| w.screen().ok())
        .map(|s| format!("{}x{}", s.width().unwrap_or(0), s.height().unwrap_or(0)))
        .unwrap_or_default()
}

pub fn info(message: &str) {
    web_sys::console::info_1(&JsValue::from_str(message));
}

fn abort_or_network(e: JsValue) -> HttpError {
    if e.dyn_ref::<web_sys::DomException>()
        .is_some_and(|d| d.name() == "AbortError")
    {
        HttpError::Aborted
    } else {
        HttpError::Network(js_error_text(&e))
    }
}

fn request_init(
    method: &str,
    headers_list: &[(String, String)],
    signal: &AbortSignal,
) -> Result<RequestInit, HttpError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_mode(RequestMode::Cors);
    init.set_signal(Some(signal));
    let headers = Headers::new().map_err(abort_or_network)?;
    for (name, value) in headers_list {
        headers.set(name, value).map_err(abort_or_network)?;
    }
    init.set_headers(&headers);
    Ok(init)
}

async fn send(url: &str, init: &RequestInit) -> Result<Response, HttpError> {
    let window = web_sys::window().ok_or_else(|| HttpError::Network("no window".into()))?;
    Ok(JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(abort_or_network)?
        .unchecked_into())
}

async fn whole_body(response: Response) -> Result<HttpResponse, HttpError> {
    let status = response.status();
    let buffer = JsFuture::from(response.array_buffer().map_err(abort_or_network)?)
        .await
        .map_err(abort_or_network)?;
    Ok(HttpResponse {
        status,
        body: js_sys::Uint8Array::new(&buffer).to_vec(),
    })
}

/// Starts a streaming GET; the response's body is read with [`read_chunk`].
pub async fn fetch_stream(req: &HttpRequest, signal: &AbortSignal) -> Result<Response, HttpError> {
    let init = request_init(req.method.as_str(), &req.headers, signal)?;
    send(&req.url, &init).await
}

/// The reader of a response body (`None`: the response has no body).
pub fn body_reader(response: &Response) -> Option<web_sys::ReadableStreamDefaultReader> {
    response.body()?.get_reader().dyn_into().ok()
}

/// The next chunk of a body: `Ok(None)` at its end.
pub async fn read_chunk(
    reader: &web_sys::ReadableStreamDefaultReader,
) -> Result<Option<Vec<u8>>, HttpError> {
    let result = JsFuture::from(reader.read())
        .await
        .map_err(abort_or_network)?;
    let done = js_sys::Reflect::get(&result, &"done".into())
        .ok()
        .and_then(|d| d.as_bool())
        .unwrap_or(true);
    if done {
        return Ok(None);
    }
    let value = js_sys::Reflect::get(&result, &"value".into()).unwrap_or(JsValue::UNDEFINED);
    Ok(Some(js_sys::Uint8Array::new(&value).to_vec()))
}

/// A multipart upload: one JSON part and one file part (the browser sets the boundary).
pub async fn upload(
    req: &chat_core::UploadRequest,
    file: &web_sys::File,
    signal: &AbortSignal,
) -> Result<HttpResponse, HttpError> {
    let init = request_init("POST", &req.headers, signal)?;
    let form = web_sys::FormData::new().map_err(abort_or_network)?;
    let parts = js_sys::Array::of1(&JsValue::from_str(&req.json_part.1));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type("application/json");
    let json =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(abort_or_network)?;
    form.append_with_blob(&req.json_part.0, &json)
        .map_err(abort_or_network)?;
    form.append_with_blob_and_filename(&req.file_part, file, &file.name())
        .map_err(abort_or_network)?;
    init.set_body(&form);
    whole_body(send(&req.url, &init).await?).await
}

/// Performs one request. Network failures (including CORS refusals, which the browser does not
/// distinguish) become [`HttpError::Network`], aborts [`HttpError::Aborted`].
pub async fn fetch(req: &HttpRequest, signal: &AbortSignal) -> Result<HttpResponse, HttpError> {
    let init = request_init(req.method.as_str(), &req.headers, signal)?;
    if let Some(body) = &req.body {
        init.set_body(&JsValue::from_str(body));
    }
    whole_body(send(&req.url, &init).await?).await
}
