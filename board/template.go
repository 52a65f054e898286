package board

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Template names a starting structure for a new board. Every object a
// template makes is an ordinary object: it syncs, undoes and exports like
// anything a person adds.
type Template string

// The templates.
const (
	TemplateBlank       Template = "blank"
	TemplatePersona     Template = "persona"
	TemplateResponseMap Template = "response-map"
	TemplateMeeting     Template = "meeting"
	TemplateVision      Template = "vision"
)

// Templates lists the templates in the order a start page offers them.
func Templates() []Template {
	return []Template{TemplatePersona, TemplateResponseMap, TemplateMeeting, TemplateVision, TemplateBlank}
}

// Partner is a partner organisation named when a board is created.
type Partner struct {
	Name  string `json:"name"`
	Tier  string `json:"tier"` // lead, core or wider
	Color string `json:"color,omitempty"`
}

// Persona grid geometry, in board units. A persona frame is
// PersonaWidth × PersonaHeight; several sit side by side.
const (
	PersonaWidth  = 1240
	PersonaHeight = 820
)

// templateCell is one cell of a framed template: its id is the frame's id
// + "-" + slug, and x, y are relative to the frame's top-left corner.
type templateCell struct {
	slug, label, role string
	x, y, w, h        float64
}

// personaCells are the cells of a persona grid. Facilitators may rename,
// add or remove cells afterwards; these are only the start.
var personaCells = []templateCell{
	{"picture", "Picture", "picture", 20, 60, 300, 300},
	{"name", "Name", "text", 340, 60, 420, 80},
	{"age", "Age", "text", 780, 60, 160, 80},
	{"occupation", "Occupation", "text", 960, 60, 260, 80},
	{"situation", "Life situation", "text", 340, 160, 880, 90},
	{"interests", "Interests and priorities", "text", 340, 270, 430, 90},
	{"goals", "Personal goals", "text", 790, 270, 430, 90},
	{"challenges", "Challenges this person faces", "list", 20, 380, 590, 420},
	{"help", "How the partnership could help", "list", 630, 380, 590, 420},
}

// framedOps returns the ops of a frame made from template t, titled title,
// of size w × h at (x, y), holding cells in list order. The frame's id is
// prefix; each cell's id is prefix + "-" + its slug.
func framedOps(t Template, prefix, title string, x, y, w, h float64, cells []templateCell) ([]Op, error) {
	longest := 0
	for _, c := range cells {
		longest = max(longest, len(c.slug))
	}
	if !validID(prefix) || len(prefix)+1+longest > MaxIDBytes {
		return nil, newError(CodeBadID, "", "%s prefix %q is not a short id", t, prefix)
	}
	keys, err := KeysBetween("", "", len(cells))
	if err != nil {
		return nil, err
	}
	ops := []Op{{Type: OpCreate, ID: prefix, Kind: KindFrame, Fields: map[string]any{
		"title": title, "template": string(t), "x": x, "y": y, "w": w, "h": h,
	}}}
	for i, c := range cells {
		ops = append(ops, Op{Type: OpCreate, ID: prefix + "-" + c.slug, Kind: KindCell, Fields: map[string]any{
			"label": c.label, "role": c.role, "order": keys[i], "parent": prefix,
			"x": x + c.x, "y": y + c.y, "w": c.w, "h": c.h,
		}})
	}
	return ops, ValidateOps(ops)
}

// PersonaOps returns the ops that add one persona grid with its top-left
// corner at (x, y). Object ids start with prefix (an id, e.g. "p1"), so
// several personas can share a board: the frame is prefix, each cell
// prefix + "-" + its slug (prefix-name, prefix-challenges, …).
func PersonaOps(prefix string, x, y float64) ([]Op, error) {
	return framedOps(TemplatePersona, prefix, "Persona", x, y, PersonaWidth, PersonaHeight, personaCells)
}

// Meeting board geometry, in board units.
const (
	MeetingWidth  = 1600
	MeetingHeight = 1100
)

// The slugs of the meeting cells that Minutes reads. Decisions are sorted
// by when they take effect, so people can see which of them will change
// something soon and which feed longer-term plans.
const (
	MeetingWhen    = "when"
	MeetingAgenda  = "agenda"
	MeetingRules   = "rules"
	MeetingNow     = "now"
	MeetingMedium  = "medium"
	MeetingLong    = "long"
	MeetingActions = "actions"
)

// meetingCells are the cells of a meeting board. Action items carry an
// owner and a due date (fields owner and due).
var meetingCells = []templateCell{
	{MeetingWhen, "When and where", "text", 20, 60, 1560, 70},
	{MeetingAgenda, "Agenda", "list", 20, 150, 770, 300},
	{MeetingRules, "Ground rules we agreed", "list", 810, 150, 770, 300},
	{MeetingNow, "Decisions for now (this week)", "list", 20, 470, 500, 300},
	{MeetingMedium, "Decisions for the medium term", "list", 540, 470, 500, 300},
	{MeetingLong, "Decisions for the long term", "list", 1060, 470, 520, 300},
	{MeetingActions, "Actions: who will do what, and by when", "list", 20, 790, 1560, 290},
}

// MeetingOps returns the ops of a meeting board at (x, y): when and where,
// the agenda, the ground rules agreed at the start, decisions sorted into
// now, medium term and long term, and actions with an owner and a due date.
// The frame's id is prefix; each cell's is prefix + "-" + its slug
// (meeting-agenda, meeting-actions, …).
func MeetingOps(prefix string, x, y float64) ([]Op, error) {
	return framedOps(TemplateMeeting, prefix, "Meeting", x, y, MeetingWidth, MeetingHeight, meetingCells)
}

// Vision board geometry, in board units.
const (
	VisionWidth  = 1600
	VisionHeight = 900
)

// visionCells are the cells of a vision board, for a partnership still
// working out what it is for.
var visionCells = []templateCell{
	{"statement", "Our vision, in a few words", "text", 20, 60, 1560, 90},
	{"values", "Values we share", "list", 20, 170, 770, 340},
	{"problems", "Problems we have found", "list", 810, 170, 770, 340},
	{"together", "What could only happen by working together", "list", 20, 530, 770, 350},
	{"priorities", "Our priorities", "list", 810, 530, 770, 350},
}

// VisionOps returns the ops of a vision board at (x, y): a vision
// statement, shared values, the problems found, what the partners could do
// only together, and priorities. Ids are prefix and prefix + "-" + slug.
func VisionOps(prefix string, x, y float64) ([]Op, error) {
	return framedOps(TemplateVision, prefix, "Vision", x, y, VisionWidth, VisionHeight, visionCells)
}

// ResponseMapOps returns the ops of a challenge → partnership response map
// at (x, y): a frame with a challenges list on the left and a responses
// list on the right. Responses are items in the "map-responses" cell that
// link to challenges, name partners and may carry referrals.
func ResponseMapOps(x, y float64) ([]Op, error) {
	ops := []Op{
		{Type: OpCreate, ID: "map", Kind: KindFrame, Fields: map[string]any{
			"title": "Challenges and partnership responses", "template": string(TemplateResponseMap),
			"x": x, "y": y, "w": 1400.0, "h": 900.0}},
		{Type: OpCreate, ID: "map-challenges", Kind: KindCell, Fields: map[string]any{
			"label": "Challenges", "role": "list", "order": "V", "parent": "map",
			"x": x + 20, "y": y + 60, "w": 560.0, "h": 820.0}},
		{Type: OpCreate, ID: "map-responses", Kind: KindCell, Fields: map[string]any{
			"label": "Partnership responses", "role": "list", "order": "k", "parent": "map",
			"x": x + 720, "y": y + 60, "w": 660.0, "h": 820.0}},
	}
	return ops, ValidateOps(ops)
}

// PartnerOps returns one partner object per partner, ids partner-1, …, in
// the given order. It checks what a person typed: names 1 to MaxLabelBytes
// bytes, tiers lead, core or wider, colours #rrggbb or empty, at most
// MaxListLen partners, no name twice.
func PartnerOps(partners []Partner) ([]Op, error) {
	if len(partners) == 0 {
		return nil, nil
	}
	if len(partners) > MaxListLen {
		return nil, newError(CodeTooLong, "partners", "at most %d partners, not %d", MaxListLen, len(partners))
	}
	keys, err := KeysBetween("", "", len(partners))
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(partners))
	ops := make([]Op, 0, len(partners))
	for i, p := range partners {
		name := strings.TrimSpace(p.Name)
		switch {
		case name == "" || !utf8.ValidString(name):
			return nil, newError(CodeBadValue, "name", "partner %d has no name", i+1)
		case len(name) > MaxLabelBytes:
			return nil, newError(CodeTooLong, "name", "partner %d: the name is longer than %d bytes", i+1, MaxLabelBytes)
		case p.Tier != "lead" && p.Tier != "core" && p.Tier != "wider":
			return nil, newError(CodeBadValue, "tier", "partner %q: tier must be lead, core or wider", name)
		case p.Color != "" && !validColor(p.Color):
			return nil, newError(CodeBadValue, "color", "partner %q: colour must look like #a1b2c3", name)
		case seen[strings.ToLower(name)]:
			return nil, newError(CodeBadValue, "name", "partner %q is listed twice", name)
		}
		seen[strings.ToLower(name)] = true
		f := map[string]any{"name": name, "tier": p.Tier, "order": keys[i]}
		if p.Color != "" {
			f["color"] = p.Color
		}
		ops = append(ops, Op{Type: OpCreate, ID: fmt.Sprintf("partner-%d", i+1), Kind: KindPartner, Fields: f})
	}
	return ops, ValidateOps(ops)
}

// TemplateState returns the starting state of a new board made from t with
// the given partners.
func TemplateState(t Template, partners []Partner) (*State, error) {
	var ops []Op
	var err error
	switch t {
	case TemplateBlank:
	case TemplatePersona:
		ops, err = PersonaOps("p1", 0, 0)
	case TemplateResponseMap:
		ops, err = ResponseMapOps(0, 0)
	case TemplateMeeting:
		ops, err = MeetingOps("meeting", 0, 0)
	case TemplateVision:
		ops, err = VisionOps("vision", 0, 0)
	default:
		return nil, newError(CodeBadValue, "template", "there is no template called %q", string(t))
	}
	if err != nil {
		return nil, err
	}
	pops, err := PartnerOps(partners)
	if err != nil {
		return nil, err
	}
	s := NewState()
	if len(ops) > 0 {
		s.Apply(ops)
	}
	if len(pops) > 0 {
		s.Apply(pops)
	}
	return s, nil
}
