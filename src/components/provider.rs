use std::rc::Rc;

use yew::prelude::*;

use crate::driver::Driver;
use crate::hooks::ChatHandle;

#[derive(Properties)]
pub struct ChatProviderProps {
    pub driver: Rc<Driver>,
    #[prop_or_default]
    pub children: Html,
}

impl PartialEq for ChatProviderProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.driver, &other.driver) && self.children == other.children
    }
}

/// Provides the [`ChatHandle`] to its children and re-renders them when the core changes.
#[function_component]
pub fn ChatProvider(props: &ChatProviderProps) -> Html {
    let revision = use_state(|| props.driver.chat().revision());
    {
        let driver = props.driver.clone();
        let setter = revision.setter();
        use_effect_with((), move |_| {
            driver.set_on_change(move |r| setter.set(r));
        });
    }
    let handle = ChatHandle::new(props.driver.clone(), *revision);
    html! {
        <ContextProvider<ChatHandle> context={handle}>
            { props.children.clone() }
        </ContextProvider<ChatHandle>>
    }
}
