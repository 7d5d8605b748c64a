//! A path parameter that the description types as a string enum takes the enum, and any
//! string through the enum's `From` (a value the crate does not know is sent as given).

use auth0_m2m_management::Endpoint;
use auth0_m2m_management::actions::{
    ActionTriggerTypeEnum, ListActionTriggerBindings, UpdateActionBindings,
    UpdateActionBindingsRequestContent,
};

#[test]
fn an_enum_path_parameter_takes_the_enum_or_a_string() {
    let expected = "/api/v2/actions/triggers/post-login/bindings";
    let typed = UpdateActionBindings::new(
        ActionTriggerTypeEnum::PostLogin,
        UpdateActionBindingsRequestContent::new(),
    );
    assert_eq!(typed.path(), expected);
    let text = UpdateActionBindings::new("post-login", UpdateActionBindingsRequestContent::new());
    assert_eq!(text.path(), expected);
    let owned = String::from("post-login");
    assert_eq!(ListActionTriggerBindings::new(&owned).path(), expected);
    assert_eq!(ListActionTriggerBindings::new(owned).path(), expected);
    // A trigger this crate does not know yet is sent as given.
    assert_eq!(
        ListActionTriggerBindings::new("post-something-new").path(),
        "/api/v2/actions/triggers/post-something-new/bindings"
    );
    // An empty one is still refused when the call is made.
    assert!(ListActionTriggerBindings::new("").checked_path().is_err());
}
