//! Inline SVG icons (decorative: buttons carry their own accessible names).

use yew::prelude::*;

pub fn chat() -> Html {
    html! {
        <svg class="cw-icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z" fill="currentColor"/>
        </svg>
    }
}

pub fn close() -> Html {
    html! {
        <svg class="cw-icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" fill="none"/>
        </svg>
    }
}

pub fn minimize() -> Html {
    html! {
        <svg class="cw-icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M6 12h12" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" fill="none"/>
        </svg>
    }
}

pub fn end() -> Html {
    html! {
        <svg class="cw-icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M10 4H6a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h4M15 16l4-4-4-4M19 12H9" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" fill="none"/>
        </svg>
    }
}

pub fn send() -> Html {
    html! {
        <svg class="cw-icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M3 11l18-8-8 18-2-8-8-2z" fill="currentColor"/>
        </svg>
    }
}

pub fn attach() -> Html {
    html! {
        <svg class="cw-icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M20 11.5l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7L9.7 17.2a1.7 1.7 0 0 1-2.4-2.4L15 7.1" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/>
        </svg>
    }
}
