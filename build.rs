//! Minifies the theme stylesheet (www/chat-widget.css) into OUT_DIR for `include_str!`:
//! comments dropped, whitespace collapsed. Only whitespace next to `{ } ; ,`, after a `:`, before
//! `!important` and runs of spaces are touched, so selectors like `.a :focus` keep their
//! meaning (the stylesheet has no quoted text in which `: ` would matter).

fn minify(css: &str) -> String {
    let mut no_comments = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        no_comments.push_str(&rest[..start]);
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => {
                rest = "";
            }
        }
    }
    no_comments.push_str(rest);
    let collapsed = no_comments.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(collapsed.len());
    let chars: Vec<char> = collapsed.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let tight = |x: Option<char>| matches!(x, Some('{' | '}' | ';' | ',' | ':'));
            if tight(prev) || matches!(next, Some('{' | '}' | ';' | '!')) {
                continue;
            }
        }
        out.push(c);
    }
    out.replace(";}", "}")
}

fn main() {
    println!("cargo:rerun-if-changed=www/chat-widget.css");
    let css = std::fs::read_to_string("www/chat-widget.css").expect("www/chat-widget.css");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR"))
        .join("chat-widget.min.css");
    std::fs::write(out, minify(&css)).expect("write minified CSS");
}
