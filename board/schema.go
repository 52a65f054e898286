package board

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Kind is the kind of a board object. It decides which fields the object
// may carry; it never changes after the object is created.
type Kind string

// The kinds of object a board holds.
const (
	// KindNote is a sticky note holding free text.
	KindNote Kind = "note"
	// KindText is a free-standing text label with its own font size.
	KindText Kind = "text"
	// KindCell is a template cell of a persona grid; its parent is the frame
	// it belongs to, its role says whether it holds text, a list or a picture,
	// and order places it among its sibling cells.
	KindCell Kind = "cell"
	// KindItem is a list entry in a list cell (parent = the cell), such as a
	// challenge or a partnership response. links holds the ids of the
	// challenges a response answers, partners the ids of the partner objects
	// involved, and jointly says the response is only possible jointly. On a
	// meeting board an item of the actions list also carries its owner (who
	// will do it) and due (the day it is due, YYYY-MM-DD).
	KindItem Kind = "item"
	// KindShape is a geometric shape with optional text inside.
	KindShape Kind = "shape"
	// KindConnector is a line or arrow. Its ends are either attached to
	// objects (from, to) or free (x, y and x2, y2).
	KindConnector Kind = "connector"
	// KindStroke is a freehand pen stroke.
	KindStroke Kind = "stroke"
	// KindFrame is a titled area of the board, optionally instantiated from
	// a named template.
	KindFrame Kind = "frame"
	// KindCard is a conversation-opener card: its prompt, the theme it
	// belongs to when that is one of the five standard themes, and label,
	// the title of its theme as the deck names it (a partnership's own deck
	// may have themes of its own, which have a label but no theme).
	KindCard Kind = "card"
	// KindPartner is a partner organisation on the board, with its tier in
	// the partnership (lead, core or wider).
	KindPartner Kind = "partner"
	// KindReferral is a referral pathway: partner from refers to partner to
	// for reason. Its parent is the response item it belongs to.
	KindReferral Kind = "referral"
)

// fieldType is the type of a field name. A name has the same type whatever
// the kind it is used on, which is what lets an update be validated without
// knowing the kind of the object it targets.
type fieldType int

const (
	typeNumber fieldType = iota // float64 within [min, max]
	typeString                  // UTF-8 string of at most maxBytes bytes, no NUL
	typeEnum                    // string from enum
	typeBool                    // bool
	typeID                      // "" (none) or a valid id
	typeIDs                     // []string of valid ids, no duplicates
	typeKey                     // non-empty fractional index key
	typeColor                   // "" or #rrggbb
	typePoints                  // []float64, even length, each within ±MaxCoord
	typeDate                    // "" (none) or a calendar date YYYY-MM-DD
)

// fieldSpec describes one field name.
type fieldSpec struct {
	typ      fieldType
	min, max float64  // typeNumber
	maxBytes int      // typeString
	enum     []string // typeEnum
}

// fields is the table of every field name. It is the single source of truth
// for validation, Apply and FieldsOf.
var fields = map[string]fieldSpec{
	"x":        {typ: typeNumber, min: -MaxCoord, max: MaxCoord},
	"y":        {typ: typeNumber, min: -MaxCoord, max: MaxCoord},
	"w":        {typ: typeNumber, min: 0, max: MaxSize},
	"h":        {typ: typeNumber, min: 0, max: MaxSize},
	"x2":       {typ: typeNumber, min: -MaxCoord, max: MaxCoord},
	"y2":       {typ: typeNumber, min: -MaxCoord, max: MaxCoord},
	"z":        {typ: typeKey},
	"order":    {typ: typeKey},
	"color":    {typ: typeColor},
	"parent":   {typ: typeID},
	"text":     {typ: typeString, maxBytes: MaxTextBytes},
	"label":    {typ: typeString, maxBytes: MaxLabelBytes},
	"title":    {typ: typeString, maxBytes: MaxLabelBytes},
	"name":     {typ: typeString, maxBytes: MaxLabelBytes},
	"reason":   {typ: typeString, maxBytes: MaxTextBytes},
	"prompt":   {typ: typeString, maxBytes: MaxTextBytes},
	"template": {typ: typeString, maxBytes: MaxLabelBytes},
	"fontSize": {typ: typeNumber, min: 4, max: 400},
	"width":    {typ: typeNumber, min: 0.5, max: 100},
	"role":     {typ: typeEnum, enum: []string{"text", "list", "picture"}},
	"shape":    {typ: typeEnum, enum: []string{"rect", "ellipse", "diamond", "triangle"}},
	"arrow":    {typ: typeEnum, enum: []string{"none", "end", "both"}},
	"theme":    {typ: typeEnum, enum: []string{"drivers", "practicalities", "culture", "recording", "impact"}},
	"tier":     {typ: typeEnum, enum: []string{"lead", "core", "wider"}},
	"from":     {typ: typeID},
	"to":       {typ: typeID},
	"links":    {typ: typeIDs},
	"partners": {typ: typeIDs},
	"jointly":  {typ: typeBool},
	"owner":    {typ: typeString, maxBytes: MaxLabelBytes},
	"due":      {typ: typeDate},
	"points":   {typ: typePoints},
}

// enumValues holds every enum value already boxed as an any, so that
// decoding one allocates nothing; values are immutable, so sharing them
// between objects is safe.
var enumValues = func() map[string]any {
	m := map[string]any{}
	for _, sp := range fields {
		for _, e := range sp.enum {
			m[e] = e
		}
	}
	return m
}()

// enumValue returns the boxed enum value whose JSON text is raw, if raw is
// one written without escapes.
func enumValue(raw []byte) (any, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	v, ok := enumValues[string(raw[1:len(raw)-1])]
	return v, ok
}

// commonFields are allowed on every kind: every object has a place, a size,
// a stacking key, a colour and an optional parent.
var commonFields = []string{"x", "y", "w", "h", "z", "color", "parent"}

// kindFields lists, per kind, the fields it allows besides commonFields.
var kindFields = map[Kind][]string{
	KindNote:      {"text"},
	KindText:      {"text", "fontSize"},
	KindCell:      {"label", "text", "role", "order"},
	KindItem:      {"text", "order", "links", "partners", "jointly", "owner", "due"},
	KindShape:     {"shape", "text"},
	KindConnector: {"from", "to", "x2", "y2", "label", "arrow"},
	KindStroke:    {"points", "width"},
	KindFrame:     {"title", "template"},
	KindCard:      {"theme", "prompt", "label"},
	KindPartner:   {"name", "tier", "order"},
	KindReferral:  {"from", "to", "reason", "order"},
}

// allowed maps each kind to the set of its allowed field names; it is built
// once from kindFields so lookups during Apply are a map access.
var allowed = func() map[Kind]map[string]bool {
	m := make(map[Kind]map[string]bool, len(kindFields))
	for k, extra := range kindFields {
		set := make(map[string]bool, len(commonFields)+len(extra))
		for _, f := range commonFields {
			set[f] = true
		}
		for _, f := range extra {
			set[f] = true
		}
		m[k] = set
	}
	return m
}()

// hasEnds holds the kinds that allow from or to, the only objects that
// can point at others.
var hasEnds = func() map[Kind]bool {
	m := make(map[Kind]bool)
	for k, set := range allowed {
		if set["from"] || set["to"] {
			m[k] = true
		}
	}
	return m
}()

// sortedFields maps each kind to FieldsOf(kind), computed once.
var sortedFields = func() map[Kind][]string {
	m := make(map[Kind][]string, len(allowed))
	for k := range allowed {
		m[k] = FieldsOf(k)
	}
	return m
}()

// Kinds returns every kind, sorted, so that documentation and tests can
// enumerate them in a stable order.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(kindFields))
	for k := range kindFields {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// FieldsOf returns the field names allowed for kind k, common fields
// included, sorted. It returns nil for an unknown kind.
func FieldsOf(k Kind) []string {
	set, ok := allowed[k]
	if !ok {
		return nil
	}
	names := make([]string, 0, len(set))
	for f := range set {
		names = append(names, f)
	}
	slices.Sort(names)
	return names
}

// validID reports whether id matches ^[A-Za-z0-9_-]{1,MaxIDBytes}$. It is
// written out rather than as a regexp because it runs for every op.
func validID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkID describes why id is not a valid id, or returns nil.
func checkID(field, id string) *Error {
	if validID(id) {
		return nil
	}
	// Only a bad id gets here, so valid ones cost no string building.
	what := "id"
	if field != "" {
		what = fq(field)
	}
	switch {
	case id == "":
		return newError(CodeBadID, field, "%s is empty", what)
	case len(id) > MaxIDBytes:
		return newError(CodeBadID, field, "%s is longer than %d bytes", what, MaxIDBytes)
	}
	return newError(CodeBadID, field, "%s %s may only hold A-Z, a-z, 0-9, _ and -", what, quote(id))
}

// validColor reports whether c is "" or #rrggbb.
func validColor(c string) bool {
	if c == "" {
		return true
	}
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		if digitHex(c[i]) < 0 {
			return false
		}
	}
	return true
}

// DateLen is the length of a date field: YYYY-MM-DD.
const DateLen = len("2006-01-02")

// ValidDate reports whether d is "" (no date) or a real calendar date
// written YYYY-MM-DD with a year from 0001 to 9999. A date is a day, not an
// instant: it carries no time zone, so everyone sees the same due date
// wherever they are. It is written out rather than with time.Parse so that
// the JavaScript model can follow it rule for rule.
func ValidDate(d string) bool {
	if d == "" {
		return true
	}
	if len(d) != DateLen || d[4] != '-' || d[7] != '-' {
		return false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return -1
			}
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	year, month, day := num(d[:4]), num(d[5:7]), num(d[8:])
	if year < 1 || month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && (year%4 == 0 && year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}

// digitHex returns the value of hexadecimal digit c, or -1.
func digitHex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// quote quotes s for a message, shortening it so an error about a huge value
// does not become a huge error.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// fq names field name in a message. It is only called once a value has
// failed, so valid values cost no string building.
func fq(name string) string { return "field " + quote(name) }

// checkValue validates a non-nil in-memory value v for field name with spec
// sp. v must already be one of the normalised types (string, float64, bool,
// []string, []float64); anything else is CodeBadValue. It returns nil when v is
// acceptable. It is shared by ValidateOps, DecodeOps, Apply and
// State.UnmarshalJSON so the four can never disagree.
func checkValue(name string, sp fieldSpec, v any) *Error {
	switch sp.typ {
	case typeNumber:
		n, ok := v.(float64)
		if !ok {
			return newError(CodeBadValue, name, "%s must be a number", fq(name))
		}
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return newError(CodeOutOfRange, name, "%s must be a finite number", fq(name))
		}
		if n < sp.min || n > sp.max {
			return newError(CodeOutOfRange, name, "%s must be between %g and %g", fq(name), sp.min, sp.max)
		}
	case typeString:
		s, ok := v.(string)
		if !ok {
			return newError(CodeBadValue, name, "%s must be a string", fq(name))
		}
		if !utf8.ValidString(s) {
			return newError(CodeBadUTF8, name, "%s is not valid UTF-8", fq(name))
		}
		if strings.IndexByte(s, 0) >= 0 {
			return newError(CodeBadValue, name, "%s must not contain NUL bytes", fq(name))
		}
		if len(s) > sp.maxBytes {
			return newError(CodeTooLong, name, "%s is longer than %d bytes", fq(name), sp.maxBytes)
		}
	case typeEnum:
		s, ok := v.(string)
		if !ok || !slices.Contains(sp.enum, s) {
			return newError(CodeBadValue, name, "%s must be one of %s", fq(name), strings.Join(sp.enum, ", "))
		}
	case typeBool:
		if _, ok := v.(bool); !ok {
			return newError(CodeBadValue, name, "%s must be true or false", fq(name))
		}
	case typeID:
		s, ok := v.(string)
		if !ok {
			return newError(CodeBadValue, name, "%s must be a string id", fq(name))
		}
		if s == "" {
			return nil // "" means "none"
		}
		return checkID(name, s)
	case typeIDs:
		ids, ok := v.([]string)
		if !ok {
			return newError(CodeBadValue, name, "%s must be a list of ids", fq(name))
		}
		if len(ids) > MaxListLen {
			return newError(CodeTooLong, name, "%s has more than %d entries", fq(name), MaxListLen)
		}
		for i, id := range ids {
			if err := checkID(name, id); err != nil {
				err.Msg = fmt.Sprintf("entry %d of %s", i, err.Msg)
				return err
			}
			// Lists are short (MaxListLen), so a quadratic scan is cheaper
			// than building a set.
			if slices.Contains(ids[:i], id) {
				return newError(CodeBadValue, name, "%s lists %s twice", fq(name), quote(id))
			}
		}
	case typeKey:
		k, ok := v.(string)
		if !ok {
			return newError(CodeBadValue, name, "%s must be a key string", fq(name))
		}
		if len(k) > MaxKeyBytes {
			return newError(CodeTooLong, name, "%s is longer than %d bytes", fq(name), MaxKeyBytes)
		}
		if !ValidKey(k) {
			return newError(CodeBadValue, name, "%s is not a valid key (digits 0-9A-Za-z, not ending in 0)", fq(name))
		}
	case typeColor:
		c, ok := v.(string)
		if !ok || !validColor(c) {
			return newError(CodeBadValue, name, `%s must be "" or #rrggbb`, fq(name))
		}
	case typePoints:
		ps, ok := v.([]float64)
		if !ok {
			return newError(CodeBadValue, name, "%s must be a list of numbers", fq(name))
		}
		if len(ps) > 2*MaxPoints {
			return newError(CodeTooLong, name, "%s has more than %d points", fq(name), MaxPoints)
		}
		if len(ps)%2 != 0 {
			return newError(CodeBadValue, name, "%s must hold x, y pairs (an even count of numbers)", fq(name))
		}
		for i, p := range ps {
			if math.IsNaN(p) || p < -MaxCoord || p > MaxCoord {
				return newError(CodeOutOfRange, name, "number %d of %s must be between %g and %g", i, fq(name), -MaxCoord, float64(MaxCoord))
			}
		}
	case typeDate:
		d, ok := v.(string)
		if !ok || !ValidDate(d) {
			return newError(CodeBadValue, name, `%s must be "" or a date written YYYY-MM-DD`, fq(name))
		}
	default:
		return newError(CodeUnknownField, name, "%s has no type", fq(name))
	}
	return nil
}

// normalize returns a private copy of a value that passed checkValue, with
// negative zero turned into zero so that equal states also have equal
// canonical JSON. Copying slices is what keeps values in a State immutable
// even when the op that carried them is later modified by its owner.
func normalize(v any) any {
	switch x := v.(type) {
	case float64:
		return x + 0 // -0 + 0 == +0
	case []string:
		c := make([]string, len(x)) // non-nil even when empty, so it encodes as []
		copy(c, x)
		return c
	case []float64:
		c := make([]float64, len(x))
		for i, p := range x {
			c[i] = p + 0
		}
		return c
	}
	return v
}
