//! Request targets to routes: `/users/123?tab=2` and `/users/456` are one endpoint,
//! `/users/{id}`. The query string and fragment are dropped; path segments that are ids (all
//! digits, a UUID, or a hex string of 8 or more characters with a digit) become `{id}`. A route
//! map, the user's own templates, is tried first.

use crate::error::{Error, Location, Result};

/// The user's route templates, tried in order; the first that matches names the route.
///
/// One template a line: an optional method, then a path whose segments are literal, `{name}` or
/// `*` (any one segment), or a final `**` (the rest of the path). Blank lines and `#` comments
/// are ignored.
///
/// ```text
/// # checkout's order ids are words, not numbers
/// /orders/{order}/items
/// GET /static/**
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteMap {
    routes: Vec<Route>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Route {
    method: Option<String>,
    segments: Vec<Segment>,
    name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Any,
    Rest,
}

impl RouteMap {
    /// Parses a route map; `source` names it in errors.
    ///
    /// # Errors
    /// [`Error::Malformed`] at the line of a template that is not a path.
    pub fn parse(text: &str, source: &str) -> Result<RouteMap> {
        let mut routes = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = |detail: &str| Error::Malformed {
                at: Location::line(source, i as u64 + 1),
                detail: format!("{detail} (expected `[METHOD] /path/{{name}}/*/**`)"),
            };
            let (method, path) = match line.split_once(char::is_whitespace) {
                Some((m, p)) => (Some(m.to_ascii_uppercase()), p.trim()),
                None => (None, line),
            };
            if !path.starts_with('/') {
                return Err(bad("the template does not start with `/`"));
            }
            let parts: Vec<&str> = path[1..].split('/').collect();
            let mut segments = Vec::with_capacity(parts.len());
            for (k, p) in parts.iter().enumerate() {
                segments.push(match *p {
                    "**" if k + 1 == parts.len() => Segment::Rest,
                    "**" => return Err(bad("`**` may only end a template")),
                    "*" => Segment::Any,
                    _ if p.starts_with('{') && p.ends_with('}') => Segment::Any,
                    _ => Segment::Literal(p.to_string()),
                });
            }
            routes.push(Route {
                method,
                segments,
                name: path.to_string(),
            });
        }
        Ok(RouteMap { routes })
    }

    fn find(&self, method: &str, path: &str) -> Option<&str> {
        self.routes
            .iter()
            .find(|r| r.method.as_deref().is_none_or(|m| m == method) && matches(&r.segments, path))
            .map(|r| r.name.as_str())
    }
}

fn matches(segments: &[Segment], path: &str) -> bool {
    let mut parts = path.strip_prefix('/').unwrap_or(path).split('/');
    for s in segments {
        match (s, parts.next()) {
            (Segment::Rest, _) => return true,
            (Segment::Any, Some(_)) => {}
            (Segment::Literal(l), Some(p)) if l == p => {}
            _ => return false,
        }
    }
    parts.next().is_none()
}

/// Whether a path segment is an id: all digits, a UUID, or 8+ hex characters with a digit.
fn is_id(seg: &str) -> bool {
    let b = seg.as_bytes();
    if b.is_empty() {
        return false;
    }
    if b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    uuid || (b.len() >= 8 && b.iter().all(u8::is_ascii_hexdigit) && b.iter().any(u8::is_ascii_digit))
}

/// The path of a request target: no scheme and host (absolute form), no query, no fragment.
fn path_of(target: &str) -> &str {
    let t = match target.find("://") {
        Some(i) if target[..i].bytes().all(|b| b.is_ascii_alphabetic()) => {
            let rest = &target[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        _ => target,
    };
    let end = t.find(['?', '#']).unwrap_or(t.len());
    &t[..end]
}

/// Appends the endpoint of a request, `METHOD /route`, to `out`.
///
/// ```
/// use telecluster::io::logs::route::{endpoint_into, RouteMap};
/// let mut s = String::new();
/// endpoint_into(&mut s, "GET", "/users/123/keys/0f3a9c2e11?x=1", &RouteMap::default());
/// assert_eq!(s, "GET /users/{id}/keys/{id}");
/// ```
pub fn endpoint_into(out: &mut String, method: &str, target: &str, map: &RouteMap) {
    out.push_str(method);
    out.push(' ');
    let path = path_of(target);
    if let Some(name) = map.find(method, path) {
        out.push_str(name);
        return;
    }
    let mut first = true;
    for seg in path.split('/') {
        if !first {
            out.push('/');
        }
        first = false;
        out.push_str(if is_id(seg) { "{id}" } else { seg });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(method: &str, target: &str, map: &RouteMap) -> String {
        let mut s = String::new();
        endpoint_into(&mut s, method, target, map);
        s
    }

    #[test]
    fn ids_are_folded() {
        let none = RouteMap::default();
        assert_eq!(ep("GET", "/users/123", &none), "GET /users/{id}");
        assert_eq!(
            ep("GET", "/o/550e8400-e29b-41d4-a716-446655440000/x", &none),
            "GET /o/{id}/x"
        );
        assert_eq!(ep("GET", "/c/5f2b9c0e8a1d4e3f2a1b0c9d", &none), "GET /c/{id}");
        assert_eq!(ep("GET", "/deadbeef/cafebabe", &none), "GET /deadbeef/cafebabe");
        assert_eq!(ep("GET", "/v2/api", &none), "GET /v2/api");
        assert_eq!(ep("GET", "http://h:8080/a/7?q#f", &none), "GET /a/{id}");
        assert_eq!(ep("POST", "/", &none), "POST /");
    }

    #[test]
    fn route_maps_come_first() {
        let map = RouteMap::parse("# mine\n/orders/{order}/items\nGET /static/**\n\n/a/*", "routes.txt").unwrap();
        assert_eq!(ep("GET", "/orders/abc/items?x", &map), "GET /orders/{order}/items");
        assert_eq!(ep("GET", "/static/css/site.css", &map), "GET /static/**");
        assert_eq!(ep("POST", "/static/x/1", &map), "POST /static/x/{id}");
        assert_eq!(ep("PUT", "/a/b", &map), "PUT /a/*");
        assert_eq!(ep("PUT", "/a/b/c", &map), "PUT /a/b/c");
        let e = RouteMap::parse("/ok\nnope", "routes.txt").unwrap_err();
        assert!(e.to_string().starts_with("routes.txt:2:"), "{e}");
    }
}
