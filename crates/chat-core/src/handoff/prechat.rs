//! The pre-chat form: fields, their rules, and the checking of the visitor's answers.

use crate::config::{ObjReader, Report, Value};
use crate::livechat::EntityMap;
use crate::messages::{Catalogue, MsgKey};
use crate::Pairs;

/// What kind of input a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Textarea,
    Email,
    Number,
    Phone,
    Checkbox,
    Choice,
}

impl FieldKind {
    fn parse(s: &str) -> Option<FieldKind> {
        Some(match s {
            "text" => FieldKind::Text,
            "textarea" => FieldKind::Textarea,
            "email" => FieldKind::Email,
            "number" => FieldKind::Number,
            "phone" => FieldKind::Phone,
            "checkbox" => FieldKind::Checkbox,
            "choice" => FieldKind::Choice,
            _ => return None,
        })
    }

    /// The `<input type>` (textarea, select and checkbox are rendered by their own elements).
    pub fn input_type(self) -> &'static str {
        match self {
            FieldKind::Email => "email",
            FieldKind::Number => "number",
            FieldKind::Phone => "tel",
            FieldKind::Checkbox => "checkbox",
            _ => "text",
        }
    }
}

/// One entry of a choice list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceItem {
    pub value: String,
    pub label: String,
}

/// One field of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrechatField {
    /// Identifies the field (`description`, `topic`, `name`, `email` have catalogue labels).
    pub name: String,
    pub kind: FieldKind,
    /// Label per language (`""` = any language); empty = the catalogue's label for built-ins.
    pub label: Vec<(String, String)>,
    pub required: bool,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub options: Vec<ChoiceItem>,
    /// MIAW routing attribute / Live Chat pre-chat detail label receiving the value.
    pub attribute: String,
    /// Live Chat: `LiveChatTranscript` fields saved from this value.
    pub transcript_fields: Vec<String>,
    /// Live Chat: record fields this value fills.
    pub entity_maps: Vec<EntityMap>,
}

/// The form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrechatForm {
    pub fields: Vec<PrechatField>,
    /// MIAW: read the deployment's own pre-chat fields (embedded-service configuration) when
    /// the hand-off starts; they come before `fields`.
    pub from_deployment: bool,
}

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    Required,
    TooShort(u64),
    TooLong(u64),
    InvalidEmail,
    InvalidNumber,
    InvalidPhone,
    InvalidChoice,
}

impl FieldError {
    /// The visitor-facing text (from the catalogue).
    pub fn text(&self, c: &Catalogue) -> String {
        match self {
            FieldError::Required | FieldError::InvalidChoice => c.text(MsgKey::PreChatRequired),
            FieldError::TooShort(n) => {
                c.render(MsgKey::PreChatTooShort, &[("min", n.to_string().as_str())])
            }
            FieldError::TooLong(n) => {
                c.render(MsgKey::PreChatTooLong, &[("max", n.to_string().as_str())])
            }
            FieldError::InvalidEmail => c.text(MsgKey::PreChatInvalidEmail),
            FieldError::InvalidNumber => c.text(MsgKey::PreChatInvalidNumber),
            FieldError::InvalidPhone => c.text(MsgKey::PreChatInvalidPhone),
        }
    }
}

impl PrechatField {
    /// The label in the catalogue's language.
    pub fn label(&self, c: &Catalogue) -> String {
        let lang = c.language();
        let primary = lang.split('-').next().unwrap_or(lang);
        let pick = |tag: &str| {
            self.label
                .iter()
                .find(|(l, _)| l.eq_ignore_ascii_case(tag))
                .map(|(_, t)| t.clone())
        };
        if let Some(t) = pick(lang).or_else(|| pick(primary)).or_else(|| pick("")) {
            return t;
        }
        if let Some(t) = self
            .label
            .iter()
            .find(|(l, _)| l == "en")
            .or(self.label.first())
        {
            return t.1.clone();
        }
        match self.name.as_str() {
            "description" => c.text(MsgKey::PreChatDescriptionLabel),
            "topic" => c.text(MsgKey::PreChatTopicLabel),
            "email" | "_email" => c.text(MsgKey::PreChatEmailLabel),
            _ => c.text(MsgKey::PreChatNameLabel),
        }
    }

    /// Checks one answer (`""` for an empty field; `"true"`/`"false"` for a checkbox).
    pub fn check(&self, value: &str) -> Result<(), FieldError> {
        let v = value.trim();
        if self.kind == FieldKind::Checkbox {
            return if self.required && v != "true" {
                Err(FieldError::Required)
            } else {
                Ok(())
            };
        }
        if v.is_empty() {
            return if self.required {
                Err(FieldError::Required)
            } else {
                Ok(())
            };
        }
        let len = v.chars().count() as u64;
        if let Some(min) = self.min_length.filter(|m| len < *m) {
            return Err(FieldError::TooShort(min));
        }
        if let Some(max) = self.max_length.filter(|m| len > *m) {
            return Err(FieldError::TooLong(max));
        }
        match self.kind {
            FieldKind::Email if !looks_like_email(v) => Err(FieldError::InvalidEmail),
            FieldKind::Number if !looks_like_number(v) => Err(FieldError::InvalidNumber),
            FieldKind::Phone if !looks_like_phone(v) => Err(FieldError::InvalidPhone),
            FieldKind::Choice if !self.options.iter().any(|o| o.value == v) => {
                Err(FieldError::InvalidChoice)
            }
            _ => Ok(()),
        }
    }
}

impl PrechatForm {
    /// Checks every answer; the errors per field name, in form order (empty = accepted).
    pub fn check(&self, values: &Pairs) -> Vec<(String, FieldError)> {
        self.fields
            .iter()
            .filter_map(|f| {
                let v = values.get(&f.name).map(String::as_str).unwrap_or("");
                f.check(v).err().map(|e| (f.name.clone(), e))
            })
            .collect()
    }
}

fn looks_like_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.chars().any(char::is_whitespace)
}

fn looks_like_number(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    let mut parts = v.splitn(2, ['.', ',']);
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

fn looks_like_phone(v: &str) -> bool {
    let digits = v.chars().filter(char::is_ascii_digit).count();
    (6..=20).contains(&digits)
        && v.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

const BUILT_INS: &[&str] = &["description", "topic", "name", "email"];

pub(crate) fn read_form(v: &Value, path: &str, report: &mut Report) -> Option<PrechatForm> {
    let default_fields = || {
        vec![PrechatField {
            name: "description".into(),
            kind: FieldKind::Textarea,
            label: Vec::new(),
            required: true,
            min_length: None,
            max_length: Some(1000),
            options: Vec::new(),
            attribute: "description".into(),
            transcript_fields: Vec::new(),
            entity_maps: Vec::new(),
        }]
    };
    if let Value::Bool(true) = v {
        return Some(PrechatForm {
            fields: default_fields(),
            from_deployment: false,
        });
    }
    let mut r = ObjReader::new(v, path, report)?;
    let before = report.errors.len();
    let from_deployment = r.bool("fromDeployment", report).unwrap_or(false);
    let fields = match r.raw("fields") {
        None if from_deployment => Vec::new(),
        None => default_fields(),
        Some(_) => r.list("fields", report, read_field).unwrap_or_default(),
    };
    let fields_path = r.path_of("fields");
    r.finish(report);
    if fields.is_empty() && !from_deployment && report.errors.len() == before {
        report.error(
            &fields_path,
            "lists no field (use \"prechat\": false to request the chat without a form)",
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if seen.contains(&f.name.as_str()) {
            report.error(
                &format!("{fields_path}[{i}].name"),
                format!("duplicate field name \"{}\"", f.name),
            );
        }
        seen.push(&f.name);
    }
    if report.errors.len() > before {
        return None;
    }
    Some(PrechatForm {
        fields,
        from_deployment,
    })
}

fn read_field(v: &Value, path: &str, report: &mut Report) -> Option<PrechatField> {
    let before = report.errors.len();
    // A built-in field by name: "description", "email", "name".
    let (name, obj) = match v {
        Value::String(s) => {
            if !BUILT_INS.contains(&s.as_str()) || s == "topic" {
                report.error(
                    path,
                    format!(
                        "\"{s}\" is not a built-in field (description, name, email); describe it as an object with name, type, label"
                    ),
                );
                return None;
            }
            (s.clone(), None)
        }
        _ => {
            let r = ObjReader::new(v, path, report)?;
            let name = match v.get("name").and_then(Value::as_str) {
                Some(n) if !n.trim().is_empty() => n.to_string(),
                _ => {
                    report.error(&r.path_of("name"), "is required (identifies the field)");
                    String::new()
                }
            };
            (name, Some(r))
        }
    };
    let default_max = (name == "description").then_some(1000);
    let default_kind = match name.as_str() {
        "description" => FieldKind::Textarea,
        "topic" => FieldKind::Choice,
        "email" => FieldKind::Email,
        _ => FieldKind::Text,
    };
    let mut field = PrechatField {
        attribute: name.clone(),
        name,
        kind: default_kind,
        label: Vec::new(),
        required: true,
        min_length: None,
        max_length: default_max,
        options: Vec::new(),
        transcript_fields: Vec::new(),
        entity_maps: Vec::new(),
    };
    if let Some(mut r) = obj {
        let _ = r.raw("name");
        if let Some(k) = r.choice("type", FieldKind::NAMES, report) {
            field.kind = FieldKind::parse(k).unwrap_or(default_kind);
        }
        let label_path = r.path_of("label");
        match r.raw("label") {
            None => {
                if !BUILT_INS.contains(&field.name.as_str()) {
                    report.error(&label_path, "is required for a field that is not built in (description, topic, name, email)");
                }
            }
            Some(Value::String(s)) if !s.trim().is_empty() => {
                field.label.push((String::new(), s.clone()))
            }
            Some(Value::Object(o)) if !o.is_empty() => {
                for (lang, t) in o {
                    match t.as_str() {
                        Some(t) if !t.trim().is_empty() => field.label.push((lang.clone(), t.into())),
                        _ => report.error(&format!("{label_path}.{lang}"), "expected a non-empty text"),
                    }
                }
            }
            Some(_) => report.error(
                &label_path,
                "expected a text, or an object of texts per language ({\"en\": \"...\", \"fr\": \"...\"})",
            ),
        }
        field.required = r.bool("required", report).unwrap_or(true);
        field.min_length = r.int("minLength", 0, 100_000, report);
        field.max_length = r.int("maxLength", 1, 100_000, report).or(default_max);
        if let (Some(min), Some(max)) = (field.min_length, field.max_length) {
            if min > max {
                report.error(
                    &r.path_of("minLength"),
                    format!("is larger than maxLength ({min} > {max})"),
                );
            }
        }
        let options_path = r.path_of("options");
        field.options = r
            .list("options", report, |v, p, rep| match v {
                Value::String(s) if !s.trim().is_empty() => Some(ChoiceItem {
                    value: s.clone(),
                    label: s.clone(),
                }),
                Value::Object(_) => {
                    let mut o = ObjReader::new(v, p, rep)?;
                    let value = o.text("value", rep);
                    let label = o.text("label", rep);
                    o.finish(rep);
                    let value = value.or_else(|| {
                        rep.error(&format!("{p}.value"), "is required");
                        None
                    })?;
                    Some(ChoiceItem {
                        label: label.unwrap_or_else(|| value.clone()),
                        value,
                    })
                }
                _ => {
                    rep.error(p, "expected a text or an object {\"value\", \"label\"}");
                    None
                }
            })
            .unwrap_or_default();
        if field.kind == FieldKind::Choice && field.options.is_empty() {
            report.error(&options_path, "a choice list needs at least one option");
        }
        if let Some(a) = r.text("attribute", report) {
            field.attribute = a;
        }
        field.transcript_fields = super::config::read_text_list(&mut r, "transcriptFields", report);
        field.entity_maps = r
            .list("entityMaps", report, super::config::read_entity_map)
            .unwrap_or_default();
        r.finish(report);
    }
    if report.errors.len() > before {
        return None;
    }
    Some(field)
}

/// The visible pre-chat fields of a MIAW deployment, read from its embedded-service
/// configuration (`miaw.md` §4.15): `forms[].formFields` (sorted by `order`, hidden fields
/// left to `setHiddenPrechatFields`), choice lists from `choiceListConfig`. The object may
/// also sit under `embeddedServiceConfig` (as in the access-token response).
pub(crate) fn fields_from_deployment<J: crate::codec::Json>(
    body: &[u8],
) -> Result<Vec<PrechatField>, String> {
    use crate::miaw::model::{ChoiceListConfig, ConfigDocument, Form, Items};
    let root = J::decode_bytes::<crate::loose::Item<ConfigDocument>>(body)
        .map_err(|e| format!("the answer is not JSON: {e}"))?
        .0
        .unwrap_or_default();
    let nested = root.embedded_service_config;
    let in_token = root
        .context
        .and_then(|c| c.configuration)
        .and_then(|c| c.embedded_service_config);
    // The first of the three places that has `forms` (tri-state: `Some(None)` is not a list).
    let (forms, lists): (Option<Items<Form>>, Option<ChoiceListConfig>) = [
        (root.forms, root.choice_list_config),
        nested.map_or((None, None), |c| (c.forms, c.choice_list_config)),
        in_token.map_or((None, None), |c| (c.forms, c.choice_list_config)),
    ]
    .into_iter()
    .find_map(|(forms, lists)| forms.map(|f| (f, lists)))
    .ok_or("the configuration has no \"forms\"")?;
    let forms = forms.ok_or("\"forms\" is not a list")?;
    let Some(form) = forms
        .iter()
        .find(|f| {
            f.as_ref()
                .is_some_and(|f| f.display_context.as_deref() == Some("Conversation"))
        })
        .or_else(|| forms.first())
    else {
        return Ok(Vec::new());
    };
    let lists = lists.map(|l| l.choice_list).unwrap_or_default();
    let mut raw: Vec<_> = form
        .as_ref()
        .map(|f| f.form_fields.iter().collect())
        .unwrap_or_default();
    raw.sort_by_key(|f| f.order.unwrap_or(u64::MAX));
    let mut out = Vec::new();
    for f in raw {
        if f.is_hidden == Some(true) {
            continue;
        }
        let Some(name) = f.name.as_deref().filter(|n| !n.is_empty()) else {
            continue;
        };
        let kind = match f.kind.as_deref().unwrap_or("Text") {
            "Email" => FieldKind::Email,
            "Number" => FieldKind::Number,
            "Phone" => FieldKind::Phone,
            "Checkbox" => FieldKind::Checkbox,
            "ChoiceList" => FieldKind::Choice,
            _ => FieldKind::Text,
        };
        let options = if kind == FieldKind::Choice {
            lists
                .iter()
                .find(|l| l.choice_list_id == f.choice_list_id)
                .map(|l| {
                    l.choice_list_values
                        .iter()
                        .filter_map(|v| {
                            let name = v.choice_list_value_name.as_deref()?;
                            Some(ChoiceItem {
                                value: name.to_string(),
                                label: v.label.as_deref().unwrap_or(name).to_string(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        if kind == FieldKind::Choice && options.is_empty() {
            continue; // a list without values cannot be answered
        }
        // Salesforce's standard fields get the catalogue's labels; others show their label
        // (when the configuration has one) or their name, as Salesforce's sample does.
        let label = f
            .label
            .as_deref()
            .filter(|l| !l.trim().is_empty())
            .map(|l| vec![(String::new(), l.to_string())]);
        let builtin = match name {
            "_firstName" | "_lastName" => Some("name"),
            "_email" => Some("email"),
            _ => None,
        };
        out.push(PrechatField {
            name: name.to_string(),
            kind,
            label: label.unwrap_or_else(|| match builtin {
                Some(_) if name != "_lastName" => Vec::new(),
                _ => vec![(String::new(), name.trim_start_matches('_').to_string())],
            }),
            required: f.required.unwrap_or(false),
            min_length: None,
            max_length: f.max_length.filter(|m| *m > 0),
            options,
            attribute: name.to_string(),
            transcript_fields: Vec::new(),
            entity_maps: Vec::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldKind) -> PrechatField {
        PrechatField {
            name: "f".into(),
            kind,
            label: Vec::new(),
            required: true,
            min_length: None,
            max_length: None,
            options: vec![ChoiceItem {
                value: "a".into(),
                label: "A".into(),
            }],
            attribute: "f".into(),
            transcript_fields: Vec::new(),
            entity_maps: Vec::new(),
        }
    }

    #[test]
    fn reads_the_deployment_form() {
        let body = br#"{"name": "Web", "forms": [{"displayContext": "Conversation", "formFields": [
            {"name": "Product", "order": 3, "isHidden": false, "required": false, "type": "ChoiceList", "choiceListId": "0Kx1"},
            {"name": "_email", "order": 2, "isHidden": false, "required": true, "type": "Email", "maxLength": 80},
            {"name": "_firstName", "order": 1, "isHidden": false, "required": true, "type": "Text", "maxLength": 40},
            {"name": "PageUrl", "order": 4, "isHidden": true, "required": false, "type": "Text"},
            {"name": "Empty", "order": 5, "isHidden": false, "type": "ChoiceList", "choiceListId": "none"}]}],
            "choiceListConfig": {"choiceList": [{"choiceListId": "0Kx1", "choiceListValues": [
                {"choiceListValueId": "v1", "choiceListValueName": "Laptop"},
                {"choiceListValueId": "v2", "choiceListValueName": "Phone"}]}]}}"#;
        let fields = fields_from_deployment::<crate::codec::SerdeJson>(body).unwrap();
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["_firstName", "_email", "Product"],
            "sorted, hidden and unanswerable left out"
        );
        assert_eq!(fields[0].kind, FieldKind::Text);
        assert_eq!(fields[0].max_length, Some(40));
        assert!(fields[1].required && fields[1].kind == FieldKind::Email);
        assert_eq!(fields[2].kind, FieldKind::Choice);
        assert_eq!(
            fields[2]
                .options
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>(),
            ["Laptop", "Phone"]
        );
        assert!(!fields[2].required);
        // Under embeddedServiceConfig (the access-token response's shape) too.
        let nested = br#"{"context": {"configuration": {"embeddedServiceConfig": {"forms": []}}}}"#;
        assert_eq!(
            fields_from_deployment::<crate::codec::SerdeJson>(nested).unwrap(),
            Vec::new()
        );
        assert!(fields_from_deployment::<crate::codec::SerdeJson>(b"{}").is_err());
        assert!(fields_from_deployment::<crate::codec::SerdeJson>(b"<html>").is_err());
    }

    #[test]
    fn checks_each_kind() {
        assert_eq!(
            field(FieldKind::Text).check("  "),
            Err(FieldError::Required)
        );
        assert_eq!(field(FieldKind::Email).check("a@b.co"), Ok(()));
        assert_eq!(
            field(FieldKind::Email).check("a@b"),
            Err(FieldError::InvalidEmail)
        );
        assert_eq!(field(FieldKind::Number).check("12.5"), Ok(()));
        assert_eq!(
            field(FieldKind::Number).check("12a"),
            Err(FieldError::InvalidNumber)
        );
        assert_eq!(field(FieldKind::Phone).check("+41 (0)44 123-45-67"), Ok(()));
        assert_eq!(
            field(FieldKind::Phone).check("call me"),
            Err(FieldError::InvalidPhone)
        );
        assert_eq!(field(FieldKind::Choice).check("a"), Ok(()));
        assert_eq!(
            field(FieldKind::Choice).check("b"),
            Err(FieldError::InvalidChoice)
        );
        assert_eq!(
            field(FieldKind::Checkbox).check("false"),
            Err(FieldError::Required)
        );
        let mut f = field(FieldKind::Text);
        f.min_length = Some(3);
        f.max_length = Some(5);
        assert_eq!(f.check("ab"), Err(FieldError::TooShort(3)));
        assert_eq!(f.check("abcdef"), Err(FieldError::TooLong(5)));
        assert_eq!(f.check("abcd"), Ok(()));
        f.required = false;
        assert_eq!(f.check(""), Ok(()));
    }
}
