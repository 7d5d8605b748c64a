//! `multipart/form-data` bodies (user imports).

/// Minimal multipart/form-data reader: returns (name, content) per part.
pub(super) fn multipart_parts(content_type: &str, body: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut pos = find_bytes(body, &delim, 0)? + delim.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            break;
        }
        let next = find_bytes(body, &delim, pos)?;
        let part = &body[pos..next];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let split = find_bytes(part, b"\r\n\r\n", 0)?;
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let mut content = &part[split + 4..];
        content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = headers
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))
            .map(|n| n.trim_matches('"').trim().to_string())
            .unwrap_or_default();
        parts.push((name, content.to_vec()));
        pos = next + delim.len();
    }
    Some(parts)
}

pub(super) fn find_bytes(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multipart() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"connection_id\"\r\n\r\ncon_1\r\n--XX\r\nContent-Disposition: form-data; name=\"users\"; filename=\"u.json\"\r\nContent-Type: application/json\r\n\r\n[]\r\n--XX--\r\n";
        let parts = multipart_parts("multipart/form-data; boundary=XX", body).expect("parts");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], ("connection_id".to_string(), b"con_1".to_vec()));
        assert_eq!(parts[1].1, b"[]".to_vec());
    }
}
