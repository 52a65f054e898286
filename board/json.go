package board

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file holds the small JSON scanner behind DecodeOps and
// State.UnmarshalJSON, and the canonical encoder behind State.MarshalJSON.
//
// The scanner exists because strictness needs more than encoding/json
// offers (it keeps the last of repeated members, matches member names
// case-insensitively and accepts null for most types), and because splitting
// with json.Decoder tokens was the bulk of the cost of decoding a batch.
// Every caller first checks the whole input with json.Valid, so the scanner
// only has to find boundaries in well-formed JSON, never to diagnose syntax;
// it still checks every index so that misuse cannot panic.

// member is one name/value pair of a JSON object, value still undecoded.
type member struct {
	name string
	raw  []byte
}

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// firstByte returns the first non-whitespace byte of raw, or 0. It tells the
// JSON type of a value without decoding it.
func firstByte(raw []byte) byte {
	if i := skipSpace(raw, 0); i < len(raw) {
		return raw[i]
	}
	return 0
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++ // the escaped byte cannot end the string
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', ']', '}', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
}

// elements splits a JSON array into its elements. ok is false if raw is not
// an array.
func elements(raw []byte) (elems [][]byte, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return [][]byte{}, true
	}
	for i < len(raw) {
		end := skipValue(raw, i)
		elems = append(elems, raw[i:end])
		i = skipSpace(raw, end)
		if i >= len(raw) {
			break
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case ']':
			return elems, true
		default:
			return nil, false
		}
	}
	return nil, false
}

// members splits a JSON object into its members in document order,
// appending them to buf[:0] so that a caller decoding many objects can give
// each one the same (often stack-allocated) buffer. ok is false if raw is not
// an object, and dup names the first repeated member name (encoding/json
// would silently keep the last one).
func members(raw []byte, buf []member) (ms []member, dup string, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, "", false
	}
	ms = buf[:0]
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return ms, "", true
	}
	// Ops have a handful of members, so a linear search finds repeats
	// fastest; past that a set keeps a hostile object with thousands of
	// members from costing quadratic time.
	const linear = 8
	var seen map[string]struct{}
	for i < len(raw) {
		end := skipString(raw, i)
		name, isString := decodeName(raw[i:end])
		if !isString {
			return nil, "", false
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return nil, "", false
		}
		i = skipSpace(raw, i+1)
		end = skipValue(raw, i)
		v := raw[i:end]
		if dup == "" {
			repeated := false
			if len(ms) < linear {
				repeated = slices.ContainsFunc(ms, func(m member) bool { return m.name == name })
			} else {
				if seen == nil {
					seen = make(map[string]struct{}, 2*linear)
					for _, m := range ms {
						seen[m.name] = struct{}{}
					}
				}
				_, repeated = seen[name]
				seen[name] = struct{}{}
			}
			if repeated {
				dup = name
			}
		}
		ms = append(ms, member{name: name, raw: v})
		i = skipSpace(raw, end)
		if i >= len(raw) {
			break
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			return ms, dup, true
		default:
			return nil, "", false
		}
	}
	return nil, "", false
}

// knownNames holds every member name the decoders expect (op, state and
// object members, and every field name) and every kind name, so that
// decodeName can hand out the same string each time instead of allocating
// a copy per member.
var knownNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"op", "id", "kind", "fields", "objects", "deleted"} {
		m[n] = n
	}
	for n := range fields {
		m[n] = n
	}
	for k := range kindFields {
		m[string(k)] = string(k)
	}
	return m
}()

// decodeName decodes a member name like decodeString. A known name written
// without escapes is returned as the interned string: the lookup with
// string(inner) as key does not allocate, and since such a name has no
// backslash or quote, its JSON text is the name itself.
func decodeName(raw []byte) (string, bool) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		if n, ok := knownNames[string(raw[1:len(raw)-1])]; ok {
			return n, true
		}
	}
	return decodeString(raw)
}

// decodeString decodes raw as a JSON string, reporting ok == false for any
// other JSON type (null included).
func decodeString(raw []byte) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	// Without escapes the JSON text is the string itself; well-formed JSON
	// has no raw control characters, and callers have checked UTF-8.
	if bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// loneSurrogate reports whether the JSON text raw holds a \u escape of a
// UTF-16 surrogate that is not part of a high-low pair. encoding/json decodes
// such an escape to U+FFFD without complaint, while JavaScript keeps the lone
// surrogate, so the two sides would disagree on the value; rejecting it keeps
// them in step. raw must be well-formed JSON, in which a backslash can only
// start an escape inside a string.
func loneSurrogate(raw []byte) bool {
	for i := bytes.IndexByte(raw, '\\'); i >= 0 && i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 >= len(raw) || raw[i+1] != 'u' {
			i++ // skip the escaped character, which may itself be a backslash
			continue
		}
		r := hex4(raw, i+2)
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if i+11 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				if lo := hex4(raw, i+8); lo >= 0xDC00 && lo <= 0xDFFF {
					i += 11
					continue
				}
			}
			return true
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		}
		i += 5
	}
	return false
}

// hex4 returns the value of the four hex digits at raw[i:], or -1.
func hex4(raw []byte, i int) int {
	if i < 0 || i+4 > len(raw) {
		return -1
	}
	v := 0
	for _, c := range raw[i : i+4] {
		d := digitHex(c)
		if d < 0 {
			return -1
		}
		v = v<<4 | d
	}
	return v
}

// appendState appends the canonical encoding of the given objects (sorted
// by id) and tombstones (sorted). It writes JSON directly because
// encoding/json spends most of its time reflecting over map[string]any, and
// compacting a large board is on the server's hot path. Its output is
// byte-for-byte what json.Marshal produces for the same data, which the tests
// check on random states; for the rare strings and numbers whose encoding
// takes care, it simply asks encoding/json.
func appendState(b []byte, objs []*Object, deleted []string) []byte {
	b = append(b, `{"objects":[`...)
	for i, o := range objs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendString(b, o.ID)
		b = append(b, `,"kind":`...)
		b = appendString(b, string(o.Kind))
		b = append(b, `,"fields":{`...)
		// Walking the kind's sorted field names instead of sorting the map's
		// keys gives the same order without a sort per object.
		first := true
		for _, name := range sortedFields[o.Kind] {
			v, ok := o.Fields[name]
			if !ok {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, name)
			b = append(b, ':')
			b = appendValue(b, v)
		}
		b = append(b, "}}"...)
	}
	b = append(b, `],"deleted":[`...)
	for i, id := range deleted {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, id)
	}
	return append(b, "]}"...)
}

// appendValue appends one normalised value.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendString(b, x)
	case float64:
		return appendFloat(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']')
	case []float64:
		b = append(b, '[')
		for i, f := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, f)
		}
		return append(b, ']')
	}
	return appendSlow(b, v)
}

// appendString appends s as a JSON string. Strings of printable ASCII
// without characters encoding/json escapes (" \ < > &), and non-ASCII other
// than U+2028 and U+2029, are copied as they are; anything else goes through
// encoding/json so that the escaping matches it exactly.
func appendString(b []byte, s string) []byte {
	if !plainString(s) {
		return appendSlow(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainString reports whether s encodes as itself between quotes, which
// is what appendString relies on to copy it.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
		if c >= utf8.RuneSelf {
			// U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
			if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
				return false
			}
		}
	}
	return true
}

// appendFloat appends f as encoding/json would. Within the ranges the
// fields allow, that is the shortest decimal form; only tiny magnitudes
// switch to exponent form, and those are left to encoding/json.
func appendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(f) {
		return appendSlow(b, f)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendSlow appends v encoded by encoding/json. A State never holds a value
// it cannot encode, so the error case only guards against misuse.
func appendSlow(b []byte, v any) []byte {
	enc, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, enc...)
}

// The functions below tell whether input that decoded successfully is
// already canonical, that is exactly what appendState writes for the decoded
// data, so that a caller holding such input can use it as the encoding.
// Each checks one piece without encoding the whole: the pieces together
// cover every byte appendState writes.

// tightArray reports whether the array raw, split into elems, is written
// without whitespace: then its length is that of its elements plus the
// brackets and the commas between them. Elements never include the
// whitespace around them, so any whitespace makes raw longer.
func tightArray(raw []byte, elems [][]byte) bool {
	n := 2 + max(len(elems)-1, 0)
	for _, e := range elems {
		n += len(e)
	}
	return n == len(raw)
}

// tightObject reports whether the object raw, split into ms, is written
// without whitespace and with member names as plain strings: then each
// member is its name in quotes, a colon and its value. An escape in a name
// takes more bytes than the character it stands for, so like whitespace it
// makes raw longer.
func tightObject(raw []byte, ms []member) bool {
	n := 2 + max(len(ms)-1, 0)
	for _, m := range ms {
		n += len(m.name) + 3 + len(m.raw)
	}
	return n == len(raw)
}

// plainText reports whether raw is s in quotes, as appendString writes a
// string such as an id or a kind that never needs escapes.
func plainText(raw []byte, s string) bool {
	return len(raw) == len(s)+2 && plainString(s)
}

// canonicalValue reports whether raw, which decoded to v, is exactly how
// appendValue writes v. Strings, by far the most common values and the
// longest, are checked without copying them.
func canonicalValue(raw []byte, v any) bool {
	if s, ok := v.(string); ok && len(raw) == len(s)+2 {
		// Without escapes the text is s itself, canonical unless s holds
		// a character that appendString escapes.
		return plainString(s)
	}
	var tmp [64]byte
	return bytes.Equal(appendValue(tmp[:0], v), raw)
}
