//! PEM (RFC 7468) as the token crate reads and writes it: labelled base64 blocks, with the
//! text around them ignored and RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`…) noted.
//!
//! A block's contents may be a private key: [`Block`] has no `Debug`, and nothing here puts
//! contents into an error.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// One `-----BEGIN LABEL-----` … `-----END LABEL-----` block.
pub(crate) struct Block {
    label: String,
    contents: Vec<u8>,
    encrypted: bool,
}

/// Why the input is not PEM. Holds no part of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PemError {
    /// No `-----BEGIN …-----` line.
    NoBlock,
    /// A block without its `-----END …-----` line, or one whose label differs.
    Unterminated,
    /// A block's body is not base64.
    BadBase64,
    /// The input is not text.
    NotText,
}

impl Block {
    /// A block to write with [`encode`].
    #[cfg(test)]
    pub(crate) fn new(label: &str, contents: Vec<u8>) -> Self {
        Self {
            label: label.to_owned(),
            contents,
            encrypted: false,
        }
    }

    /// The label (`CERTIFICATE`, `PRIVATE KEY`…).
    pub(crate) fn tag(&self) -> &str {
        &self.label
    }

    /// The decoded body.
    pub(crate) fn contents(&self) -> &[u8] {
        &self.contents
    }

    /// Whether an RFC 1421 header says the body is encrypted (`Proc-Type: 4,ENCRYPTED`).
    pub(crate) fn is_encrypted(&self) -> bool {
        self.encrypted || self.label == "ENCRYPTED PRIVATE KEY"
    }
}

/// Every block of `input`, in order (none when it has no block).
pub(crate) fn parse_many(input: &[u8]) -> Result<Vec<Block>, PemError> {
    let text = std::str::from_utf8(input).map_err(|_| PemError::NotText)?;
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut encrypted = false;
        let mut terminated = false;
        for line in lines.by_ref() {
            if line == end {
                terminated = true;
                break;
            }
            if line.starts_with("-----") {
                return Err(PemError::Unterminated);
            }
            if let Some((name, value)) = line.split_once(':') {
                encrypted |= name.trim().eq_ignore_ascii_case("Proc-Type")
                    && value.to_ascii_uppercase().contains("ENCRYPTED");
                continue;
            }
            body.push_str(line);
        }
        if !terminated {
            return Err(PemError::Unterminated);
        }
        let contents = STANDARD
            .decode(body.as_bytes())
            .map_err(|_| PemError::BadBase64)?;
        blocks.push(Block {
            label: label.to_owned(),
            contents,
            encrypted,
        });
    }
    Ok(blocks)
}

/// The first block of `input`.
pub(crate) fn parse(input: &[u8]) -> Result<Block, PemError> {
    parse_many(input)?
        .into_iter()
        .next()
        .ok_or(PemError::NoBlock)
}

/// `block` as PEM text: its body in lines of 64 base64 characters.
pub(crate) fn encode(block: &Block) -> String {
    let body = STANDARD.encode(&block.contents);
    let mut out = format!("-----BEGIN {}-----\n", block.label);
    for chunk in body.as_bytes().chunks(64) {
        // base64 is ASCII, so every chunk is a whole string.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {}-----\n", block.label));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_read_in_order_with_text_around_them_ignored() {
        let input = b"subject=CN=client\n-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n-----END CERTIFICATE-----\r\n\
            more text\n-----BEGIN PRIVATE KEY-----\r\nBAU=\r\n-----END PRIVATE KEY-----\n";
        let blocks = parse_many(input).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].tag(), "CERTIFICATE");
        assert_eq!(blocks[0].contents(), &[0, 1, 2, 3]);
        assert_eq!(blocks[1].tag(), "PRIVATE KEY");
        assert_eq!(blocks[1].contents(), &[4, 5]);
        assert!(!blocks[1].is_encrypted());
        assert_eq!(parse(input).unwrap().tag(), "CERTIFICATE");
    }

    #[test]
    fn what_is_not_pem_is_refused_by_kind() {
        assert!(parse_many(b"no pem here").unwrap().is_empty());
        assert_eq!(parse(b"no pem here").err(), Some(PemError::NoBlock));
        assert_eq!(
            parse(b"-----BEGIN X-----\nAAAA\n").err(),
            Some(PemError::Unterminated)
        );
        assert_eq!(
            parse(b"-----BEGIN X-----\nAAAA\n-----END Y-----\n").err(),
            Some(PemError::Unterminated)
        );
        assert_eq!(
            parse(b"-----BEGIN X-----\n!!!!\n-----END X-----\n").err(),
            Some(PemError::BadBase64)
        );
        assert_eq!(
            parse(&[0x30, 0x82, 0xff, 0xfe]).err(),
            Some(PemError::NotText)
        );
    }

    #[test]
    fn legacy_encrypted_keys_are_recognised() {
        let input = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
            DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAEC\n-----END RSA PRIVATE KEY-----\n";
        let block = parse(input).unwrap();
        assert!(block.is_encrypted());
        assert_eq!(block.contents(), &[0, 1, 2]);
        let pkcs8 = parse(
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAEC\n-----END ENCRYPTED PRIVATE KEY-----\n",
        );
        assert!(pkcs8.unwrap().is_encrypted());
    }

    #[test]
    fn encoding_round_trips_in_64_character_lines() {
        let contents: Vec<u8> = (0..=255).collect();
        let text = encode(&Block::new("CERTIFICATE", contents.clone()));
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(text.ends_with("-----END CERTIFICATE-----\n"));
        assert!(
            text.lines()
                .all(|l| l.len() <= 64 || l.starts_with("-----"))
        );
        assert_eq!(
            parse(text.as_bytes()).unwrap().contents(),
            contents.as_slice()
        );
    }
}
