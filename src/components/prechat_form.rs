use chat_core::handoff::{FieldKind, PrechatField};
use chat_core::{MsgKey, Pairs};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::use_chat;

/// The pre-chat form shown before the chat with an agent is requested: labelled fields with
/// their rules; problems are listed under each field (`aria-invalid`, `aria-describedby`), and
/// the first invalid field receives focus after a submit.
#[function_component]
pub fn PrechatForm() -> Html {
    let chat = use_chat();
    let form_ref = use_node_ref();
    // Bumped on every refused submit: focus then moves to the first field with a problem
    // (after the re-render that marks it), and only because the visitor submitted.
    let refused = use_state(|| 0u32);
    // The form replaced the composer the visitor was typing in: focus moves to its first field.
    crate::hooks::use_focus_if_dropped(
        form_ref.clone(),
        Some("input:not([type=hidden]), select, textarea"),
    );
    {
        let form_ref = form_ref.clone();
        use_effect_with(*refused, move |n| {
            if *n > 0 {
                if let Some(form) = form_ref.cast::<web_sys::Element>() {
                    if let Ok(Some(el)) = form.query_selector("[aria-invalid=\"true\"]") {
                        if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
                            let _ = el.focus();
                        }
                    }
                }
            }
        });
    }
    let c = chat.chat();
    let Some((form, state)) = c.prechat() else {
        return html! {};
    };
    let cat = c.catalogue();
    let title = cat.text(MsgKey::PreChatTitle);
    let intro = cat.render_opt(MsgKey::PreChatIntro, &[]);
    let fields: Vec<PrechatField> = form.fields.clone();
    let names: Vec<(String, FieldKind)> = fields.iter().map(|f| (f.name.clone(), f.kind)).collect();
    let onsubmit = {
        let chat = chat.clone();
        let form_ref = form_ref.clone();
        let refused = refused.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(form) = form_ref.cast::<web_sys::Element>() else {
                return;
            };
            let mut values = Pairs::new();
            for (name, kind) in &names {
                let Ok(Some(el)) = form.query_selector(&format!("[name=\"{name}\"]")) else {
                    continue;
                };
                let value = if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
                    if *kind == FieldKind::Checkbox {
                        i.checked().to_string()
                    } else {
                        i.value()
                    }
                } else if let Some(t) = el.dyn_ref::<HtmlTextAreaElement>() {
                    t.value()
                } else if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
                    s.value()
                } else {
                    String::new()
                };
                values.insert(name.clone(), value);
            }
            if !chat.prechat_submit(values) {
                refused.set(*refused + 1);
            }
        })
    };
    let oncancel = {
        let chat = chat.clone();
        Callback::from(move |_| chat.prechat_cancel())
    };
    let field_html = |f: &PrechatField| {
        let id = format!("cw-pc-{}", f.name);
        let err_id = format!("{id}-error");
        let error = state
            .errors
            .iter()
            .find(|(n, _)| *n == f.name)
            .map(|(_, e)| e.text(cat));
        let value = state.values.get(&f.name).cloned().unwrap_or_default();
        let invalid = if error.is_some() { "true" } else { "false" };
        let described = error.as_ref().map(|_| err_id.clone());
        let label = f.label(cat);
        let maxlength = f.max_length.map(|m| m.to_string());
        let control = match f.kind {
            FieldKind::Textarea => html! {
                <textarea id={id.clone()} name={f.name.clone()} class="cw-pc-input" rows="3" dir="auto"
                          required={f.required} maxlength={maxlength} aria-invalid={invalid}
                          aria-describedby={described.clone()} value={value.clone()} />
            },
            FieldKind::Choice => {
                let placeholder = cat.text(MsgKey::PreChatTopicPlaceholder);
                html! {
                    <select id={id.clone()} name={f.name.clone()} class="cw-pc-input" required={f.required}
                            aria-invalid={invalid} aria-describedby={described.clone()}>
                        <option value="" selected={value.is_empty()}>{ placeholder }</option>
                        { for f.options.iter().map(|o| html! {
                            <option value={o.value.clone()} selected={o.value == value}>{ o.label.clone() }</option>
                        }) }
                    </select>
                }
            }
            FieldKind::Checkbox => html! {
                <input id={id.clone()} name={f.name.clone()} type="checkbox" class="cw-pc-check"
                       checked={value == "true"} required={f.required} aria-invalid={invalid}
                       aria-describedby={described.clone()} />
            },
            kind => html! {
                <input id={id.clone()} name={f.name.clone()} type={kind.input_type()} class="cw-pc-input"
                       dir="auto" required={f.required} maxlength={maxlength} aria-invalid={invalid}
                       aria-describedby={described.clone()} value={value.clone()}
                       autocomplete={match f.name.as_str() { "email" => "email", "name" => "name", _ => "off" }} />
            },
        };
        html! {
            <div class={classes!("cw-pc-field", (f.kind == FieldKind::Checkbox).then_some("cw-pc-field--check"))}>
                <label for={id.clone()} class="cw-pc-label">
                    { label }
                    if f.required { <span class="cw-pc-required" aria-hidden="true">{ " *" }</span> }
                </label>
                { control }
                if let Some(e) = error {
                    <p id={err_id} class="cw-pc-error">{ e }</p>
                }
            </div>
        }
    };
    html! {
        <form ref={form_ref} class="cw-prechat" part="prechat-form" aria-label={title.clone()} novalidate=true {onsubmit}>
            <h3 class="cw-pc-title">{ title }</h3>
            if let Some(i) = intro { <p class="cw-pc-intro">{ i }</p> }
            { for fields.iter().map(field_html) }
            <div class="cw-pc-actions">
                <button type="button" class="cw-pc-cancel" onclick={oncancel}>{ cat.text(MsgKey::PreChatCancel) }</button>
                <button type="submit" class="cw-pc-submit">{ cat.text(MsgKey::PreChatSubmit) }</button>
            </div>
        </form>
    }
}
