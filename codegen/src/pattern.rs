//! Strings that match a regular expression of the description (`pattern`), for the fake tenant's
//! samples: the subset the description uses (anchors, literals, escapes, classes, groups,
//! alternation, lookarounds, counted and open repetition).

/// One element of an expression.
#[derive(Debug, Clone)]
enum Node {
    /// A character.
    Lit(char),
    /// A class: ranges, negated or not.
    Class(Vec<(char, char)>, bool),
    /// Alternatives of a group (or of the whole expression).
    Alt(Vec<Vec<Node>>),
    /// A repeated element: `min`, `max` (`None`: unbounded).
    Repeat(Box<Node>, usize, Option<usize>),
    /// Zero-width: anchors and lookarounds.
    Empty,
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    _src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn alternatives(&mut self) -> Vec<Vec<Node>> {
        let mut alts = vec![Vec::new()];
        while let Some(c) = self.peek() {
            match c {
                ')' => break,
                '|' => {
                    self.pos += 1;
                    alts.push(Vec::new());
                }
                _ => {
                    let atom = self.atom();
                    let node = self.quantified(atom);
                    if let Some(last) = alts.last_mut() {
                        last.push(node);
                    }
                }
            }
        }
        alts
    }

    fn atom(&mut self) -> Node {
        let c = self.chars[self.pos];
        self.pos += 1;
        match c {
            '^' | '$' => Node::Empty,
            '.' => Node::Class(vec![('a', 'a')], false),
            '(' => {
                let mut look = false;
                if self.peek() == Some('?') {
                    self.pos += 1;
                    match self.peek() {
                        Some(':') => self.pos += 1,
                        Some('=') | Some('!') => {
                            self.pos += 1;
                            look = true;
                        }
                        Some('<') => {
                            self.pos += 2;
                            look = true;
                        }
                        _ => {}
                    }
                }
                let alts = self.alternatives();
                if self.peek() == Some(')') {
                    self.pos += 1;
                }
                if look { Node::Empty } else { Node::Alt(alts) }
            }
            '[' => self.class(),
            '\\' => self.escape(false).map_or(Node::Empty, |r| match r {
                Esc::Char(c) => Node::Lit(c),
                Esc::Set(ranges, negated) => Node::Class(ranges, negated),
            }),
            other => Node::Lit(other),
        }
    }

    fn escape(&mut self, _in_class: bool) -> Option<Esc> {
        let c = self.peek()?;
        self.pos += 1;
        Some(match c {
            'd' => Esc::Set(vec![('0', '9')], false),
            'D' | 'W' => Esc::Set(vec![('0', '9'), ('a', 'z'), ('A', 'Z'), ('_', '_')], true),
            'w' => Esc::Set(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], false),
            's' => Esc::Char(' '),
            'S' => Esc::Set(vec![(' ', ' '), ('\t', '\r')], true),
            'n' => Esc::Char('\n'),
            'r' => Esc::Char('\r'),
            't' => Esc::Char('\t'),
            'x' => {
                let hex: String = self.chars[self.pos..].iter().take(2).collect();
                self.pos += 2;
                Esc::Char(
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('a'),
                )
            }
            other => Esc::Char(other),
        })
    }

    fn class(&mut self) -> Node {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        while let Some(c) = self.peek() {
            if c == ']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            self.pos += 1;
            let start = if c == '\\' {
                match self.escape(true) {
                    Some(Esc::Char(c)) => c,
                    Some(Esc::Set(set, false)) => {
                        ranges.extend(set);
                        continue;
                    }
                    _ => continue,
                }
            } else {
                c
            };
            // A range `a-z` (a `-` before `]` is itself).
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']') {
                self.pos += 1;
                let end_c = self.chars[self.pos];
                self.pos += 1;
                let end = if end_c == '\\' {
                    match self.escape(true) {
                        Some(Esc::Char(e)) => e,
                        _ => start,
                    }
                } else {
                    end_c
                };
                if end >= start {
                    ranges.push((start, end));
                } else {
                    ranges.push((start, start));
                    ranges.push(('-', '-'));
                    ranges.push((end, end));
                }
            } else {
                ranges.push((start, start));
            }
        }
        Node::Class(ranges, negated)
    }

    /// `x*`, `x+`, `x?`, `x{n}`, `x{n,}`, `x{n,m}` (a `{` that starts no count is a literal).
    fn quantified(&mut self, atom: Node) -> Node {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => match self.count() {
                Some((min, max, len)) => {
                    self.pos += len - 1;
                    (min, max)
                }
                None => return atom,
            },
            _ => return atom,
        };
        self.pos += 1;
        // A lazy or possessive marker changes nothing here.
        if matches!(self.peek(), Some('?') | Some('+')) {
            self.pos += 1;
        }
        Node::Repeat(Box::new(atom), min, max)
    }

    /// The counted repetition at the cursor: `(min, max, length in characters)`.
    fn count(&self) -> Option<(usize, Option<usize>, usize)> {
        let rest: String = self.chars[self.pos..].iter().collect();
        let close = rest.find('}')?;
        let inner = &rest[1..close];
        let (min, max) = match inner.split_once(',') {
            Some((a, b)) => {
                let b = b.trim();
                (
                    a.trim().parse().ok()?,
                    if b.is_empty() {
                        None
                    } else {
                        Some(b.parse().ok()?)
                    },
                )
            }
            None => {
                let n = inner.trim().parse().ok()?;
                (n, Some(n))
            }
        };
        Some((min, max, rest[..=close].chars().count()))
    }
}

enum Esc {
    Char(char),
    Set(Vec<(char, char)>, bool),
}

/// The first character a class allows.
fn class_char(ranges: &[(char, char)], negated: bool) -> char {
    if !negated {
        return ranges.first().map_or('a', |r| r.0);
    }
    ['a', 'x', 'A', '0', '_', '.']
        .into_iter()
        .find(|c| !ranges.iter().any(|(lo, hi)| lo <= c && c <= hi))
        .unwrap_or('~')
}

/// The string for `nodes`, every open repetition taken `stretch` more times than its minimum.
fn generate(nodes: &[Node], stretch: usize, out: &mut String) {
    for node in nodes {
        match node {
            Node::Lit(c) => out.push(*c),
            Node::Class(ranges, negated) => out.push(class_char(ranges, *negated)),
            Node::Alt(alts) => generate(&alts[0], stretch, out),
            Node::Repeat(inner, min, max) => {
                let n = max.map_or(min + stretch, |m| m.min(min + stretch));
                for _ in 0..n {
                    generate(std::slice::from_ref(inner), stretch, out);
                }
            }
            Node::Empty => {}
        }
    }
}

/// A string matching `pattern` with a length in `min..=max` where the generator finds one
/// (alternatives of the whole expression are tried in turn, open repetitions stretched).
pub(crate) fn sample(pattern: &str, min: usize, max: usize) -> Option<String> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
        _src: pattern,
    };
    let alts = parser.alternatives();
    // A non-empty string where the pattern has one (`^$|^https://…` is a URL first), else "".
    for least in [min.max(1), min] {
        for alt in &alts {
            for stretch in 0..=64 {
                let mut out = String::new();
                generate(alt, stretch, &mut out);
                let len = out.chars().count();
                if len > max {
                    break;
                }
                if len >= least {
                    return Some(out);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::sample;

    #[test]
    fn samples_match_the_description_patterns() {
        let unbounded = usize::MAX;
        assert_eq!(
            sample("^exp_[A-HJ-NP-Za-km-z1-9]+$", 0, unbounded).as_deref(),
            Some("exp_A")
        );
        assert_eq!(
            sample("^grp_[1-9a-km-zA-HJ-NP-Z]{14,22}$", 18, 26).as_deref(),
            Some("grp_11111111111111")
        );
        assert_eq!(
            sample(
                "^#(([0-9a-fA-F]{3}){1,2}|([0-9a-fA-F]{4}){1,2})$",
                0,
                unbounded
            )
            .as_deref(),
            Some("#000")
        );
        assert_eq!(
            sample("^(?:us-east-[0-9]{1,2}|us-west-[0-9]{1,2})$", 1, 1000).as_deref(),
            Some("us-east-0")
        );
        assert_eq!(
            sample("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", 3, unbounded).as_deref(),
            Some("aaa")
        );
        assert_eq!(
            sample("^(?!.*\\x00)\\S(.*\\S)?$", 3, 255).as_deref(),
            Some("aaa")
        );
        assert_eq!(sample("^[^\u{0}]*$", 1, 50).as_deref(), Some("a"));
        assert_eq!(
            sample("^MG[0-9a-fA-F]{32}$", 34, 34).map(|s| s.len()),
            Some(34)
        );
        assert_eq!(sample("^[0-9]+$", 0, 10).as_deref(), Some("0"));
        assert_eq!(
            sample("^https:\\/\\/.*", 8, 255).as_deref(),
            Some("https://")
        );
        assert_eq!(
            sample(
                "^(?!-)(?!.*--)(?:[a-zA-Z0-9-]|{org_id}|{org_name})*$",
                0,
                15
            )
            .as_deref(),
            Some("a")
        );
        assert_eq!(
            sample("^$|^https://[a-z]+$", 0, 255).as_deref(),
            Some("https://a")
        );
        assert_eq!(sample("^$", 0, 255).as_deref(), Some(""));
        // Unsatisfiable: one character but 14 long.
        assert_eq!(sample("^[a-z0-9]$", 14, 14), None);
    }
}
