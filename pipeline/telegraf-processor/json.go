package telemetry

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A minimal JSON reader with JavaScript's JSON.parse semantics, which the TS validator (libs/telemetry) uses:
// the RFC 8259 grammar exactly (no comments, no trailing commas, whitespace = space, tab, LF, CR), every number a
// float64 (overflow gives ±Inf as in JavaScript), duplicate object keys allowed with the last value winning.
// Strings without escapes are substrings of the input (no copy), and containers' items live in an arena the reader
// reuses for the next message, so a message of well-formed readings is parsed without allocating.

type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

type value struct {
	kind kind
	b    bool
	num  float64
	str  string
	// items: an array's elements (key "") or an object's members in input order.
	items []member
}

type member struct {
	key string
	val value
}

// get returns the value of key (the last one if the key is repeated, as JSON.parse does).
func (v *value) get(key string) (*value, bool) {
	for i := len(v.items) - 1; i >= 0; i-- {
		if v.items[i].key == key {
			return &v.items[i].val, true
		}
	}
	return nil, false
}

func (v *value) has(key string) bool {
	_, ok := v.get(key)
	return ok
}

type jsonReader struct {
	s   string
	pos int
	// stack holds the items of the containers being read; a closed container's items move to arena.
	stack []member
	arena []member
}

// parseJSON reads s; the values it returns stay valid until the reader's next parse.
func (r *jsonReader) parse(s string) (value, bool) {
	r.s, r.pos, r.stack, r.arena = s, 0, r.stack[:0], r.arena[:0]
	r.skipSpace()
	v, ok := r.value()
	if !ok {
		return value{}, false
	}
	r.skipSpace()
	return v, r.pos == len(r.s)
}

func (r *jsonReader) skipSpace() {
	for r.pos < len(r.s) {
		switch r.s[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *jsonReader) literal(word string) bool {
	if len(r.s)-r.pos >= len(word) && r.s[r.pos:r.pos+len(word)] == word {
		r.pos += len(word)
		return true
	}
	return false
}

func (r *jsonReader) value() (value, bool) {
	if r.pos >= len(r.s) {
		return value{}, false
	}
	switch c := r.s[r.pos]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		s, ok := r.string()
		return value{kind: kindString, str: s}, ok
	case c == 't':
		return value{kind: kindBool, b: true}, r.literal("true")
	case c == 'f':
		return value{kind: kindBool}, r.literal("false")
	case c == 'n':
		return value{kind: kindNull}, r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	}
	return value{}, false
}

// closeContainer moves the items read since mark from the stack into the arena. Slices handed out earlier keep
// pointing at the old array when append grows the arena, so they stay valid.
func (r *jsonReader) closeContainer(v *value, mark int) {
	start := len(r.arena)
	r.arena = append(r.arena, r.stack[mark:]...)
	v.items = r.arena[start:len(r.arena):len(r.arena)]
	clear(r.stack[mark:])
	r.stack = r.stack[:mark]
}

func (r *jsonReader) object() (value, bool) {
	r.pos++ // {
	v := value{kind: kindObject}
	r.skipSpace()
	if r.pos < len(r.s) && r.s[r.pos] == '}' {
		r.pos++
		return v, true
	}
	mark := len(r.stack)
	for {
		r.skipSpace()
		if r.pos >= len(r.s) || r.s[r.pos] != '"' {
			return value{}, false
		}
		key, ok := r.string()
		if !ok {
			return value{}, false
		}
		r.skipSpace()
		if r.pos >= len(r.s) || r.s[r.pos] != ':' {
			return value{}, false
		}
		r.pos++
		r.skipSpace()
		item, ok := r.value()
		if !ok {
			return value{}, false
		}
		r.stack = append(r.stack, member{key: key, val: item})
		if done, ok := r.afterItem('}', &v, mark); !ok {
			return value{}, false
		} else if done {
			return v, true
		}
	}
}

// afterItem reads what follows an object member or array item: a comma (more follow), the container's closer (done,
// v gets its items from the stack above mark), or anything else (malformed).
func (r *jsonReader) afterItem(closer byte, v *value, mark int) (done, ok bool) {
	r.skipSpace()
	if r.pos >= len(r.s) {
		return false, false
	}
	switch r.s[r.pos] {
	case ',':
		r.pos++
		return false, true
	case closer:
		r.pos++
		r.closeContainer(v, mark)
		return true, true
	}
	return false, false
}

func (r *jsonReader) array() (value, bool) {
	r.pos++ // [
	v := value{kind: kindArray}
	r.skipSpace()
	if r.pos < len(r.s) && r.s[r.pos] == ']' {
		r.pos++
		return v, true
	}
	mark := len(r.stack)
	for {
		r.skipSpace()
		item, ok := r.value()
		if !ok {
			return value{}, false
		}
		r.stack = append(r.stack, member{val: item})
		if done, ok := r.afterItem(']', &v, mark); !ok {
			return value{}, false
		} else if done {
			return v, true
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (r *jsonReader) number() (value, bool) {
	start := r.pos
	if r.s[r.pos] == '-' {
		r.pos++
	}
	if r.pos >= len(r.s) {
		return value{}, false
	}
	if r.s[r.pos] == '0' {
		r.pos++
	} else if isDigit(r.s[r.pos]) {
		for r.pos < len(r.s) && isDigit(r.s[r.pos]) {
			r.pos++
		}
	} else {
		return value{}, false
	}
	if r.pos < len(r.s) && r.s[r.pos] == '.' {
		r.pos++
		if r.pos >= len(r.s) || !isDigit(r.s[r.pos]) {
			return value{}, false
		}
		for r.pos < len(r.s) && isDigit(r.s[r.pos]) {
			r.pos++
		}
	}
	if r.pos < len(r.s) && (r.s[r.pos] == 'e' || r.s[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.s) && (r.s[r.pos] == '+' || r.s[r.pos] == '-') {
			r.pos++
		}
		if r.pos >= len(r.s) || !isDigit(r.s[r.pos]) {
			return value{}, false
		}
		for r.pos < len(r.s) && isDigit(r.s[r.pos]) {
			r.pos++
		}
	}
	// The grammar was checked above, so the only possible error is ErrRange, whose value (±Inf, or 0 on underflow)
	// is what JavaScript gives too.
	f, _ := strconv.ParseFloat(r.s[start:r.pos], 64)
	return value{kind: kindNumber, num: f}, true
}

func hexValue(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

func (r *jsonReader) hex4() (rune, bool) {
	if len(r.s)-r.pos < 4 {
		return 0, false
	}
	var n rune
	for i := 0; i < 4; i++ {
		d := hexValue(r.s[r.pos+i])
		if d < 0 {
			return 0, false
		}
		n = n<<4 | d
	}
	r.pos += 4
	return n, true
}

func (r *jsonReader) string() (string, bool) {
	r.pos++ // opening quote
	start := r.pos
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		if c == '"' {
			s := r.s[start:r.pos]
			r.pos++
			return s, true
		}
		if c == '\\' {
			return r.escapedString(start)
		}
		if c < 0x20 {
			return "", false
		}
		r.pos++
	}
	return "", false
}

// escapedString continues a string at its first backslash, decoding into a new buffer.
func (r *jsonReader) escapedString(start int) (string, bool) {
	buf := make([]byte, 0, r.pos-start+16)
	buf = append(buf, r.s[start:r.pos]...)
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		switch {
		case c == '"':
			r.pos++
			return string(buf), true
		case c < 0x20:
			return "", false
		case c != '\\':
			buf = append(buf, c)
			r.pos++
			continue
		}
		r.pos++ // backslash
		if r.pos >= len(r.s) {
			return "", false
		}
		e := r.s[r.pos]
		r.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			u, ok := r.hex4()
			if !ok {
				return "", false
			}
			// A surrogate pair becomes one character; a lone surrogate (valid in JSON.parse) becomes U+FFFD.
			if utf16.IsSurrogate(u) && len(r.s)-r.pos >= 6 && r.s[r.pos] == '\\' && r.s[r.pos+1] == 'u' {
				save := r.pos
				r.pos += 2
				if u2, ok := r.hex4(); ok {
					if p := utf16.DecodeRune(u, u2); p != utf8.RuneError {
						buf = utf8.AppendRune(buf, p)
						continue
					}
				}
				r.pos = save
			}
			buf = utf8.AppendRune(buf, u)
		default:
			return "", false
		}
	}
	return "", false
}
