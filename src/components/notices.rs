use chat_core::MsgKey;
use yew::prelude::*;

use crate::use_chat;

/// Configuration problems, in plain words, for the site owner testing the page.
#[function_component]
pub fn Notices() -> Html {
    let chat = use_chat();
    let c = chat.chat();
    let report = c.report();
    if report.errors.is_empty() && report.warnings.is_empty() {
        return html! {};
    }
    let is_error = !report.errors.is_empty();
    let reasons: Vec<String> = report
        .errors
        .iter()
        .chain(&report.warnings)
        .map(|e| e.to_string())
        .collect();
    let summary = c.catalogue().render(
        MsgKey::ConfigurationError,
        &[("reason", &reasons.join("; "))],
    );
    html! {
        <div class={classes!("cw-notice", is_error.then_some("cw-notice--error"))} role={if is_error { "alert" } else { "status" }}>
            <p class="cw-notice-summary">{ summary }</p>
            <ul class="cw-notice-list">
                { for reasons.iter().map(|r| html! { <li>{ r }</li> }) }
            </ul>
        </div>
    }
}
