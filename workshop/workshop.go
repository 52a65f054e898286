package workshop

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"partnerboard/board"
)

// Limits of a workshop.
const (
	// MaxGroups is the most breakout groups one workshop may have.
	MaxGroups = 24
	// MaxTitleBytes bounds a workshop's title.
	MaxTitleBytes = board.MaxLabelBytes
)

// Role is what a link lets its holder do.
type Role string

// The roles.
const (
	// Facilitator: everything, on every board of the workshop.
	Facilitator Role = "facilitator"
	// Participant: edit the boards of their group, and the plenary when it
	// is open.
	Participant Role = "participant"
	// Observer: watch only.
	Observer Role = "observer"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == Facilitator || r == Participant || r == Observer }

// Group is one breakout group and its board.
type Group struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Board string `json:"board"`
}

// Workshop is a facilitated session of a partnership.
type Workshop struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Template board.Template  `json:"template"`
	Partners []board.Partner `json:"partners"`
	Groups   []Group         `json:"groups"`
	Plenary  string          `json:"plenary"` // the plenary board's id
	Created  int64           `json:"created"` // unix milliseconds
	// PlenaryOpen lets participants edit the plenary board.
	PlenaryOpen bool `json:"plenaryOpen"`
	// Locked lists boards that only facilitators may change.
	Locked []string `json:"locked,omitempty"`
	// TimerEnds is when the shared countdown ends (unix ms), 0 if none.
	TimerEnds int64 `json:"timerEnds,omitempty"`
	// Message is the facilitator's latest broadcast.
	Message *Broadcast `json:"message,omitempty"`
	// Vote is the current (or last) dot-voting round.
	Vote *VoteRound `json:"vote,omitempty"`
	// Moves records participants a facilitator moved to another group,
	// by link id and the page's client id (see MoveKey).
	Moves map[string]string `json:"moves,omitempty"`
}

// Broadcast is a message from a facilitator to everyone in the workshop.
type Broadcast struct {
	Text string `json:"text"`
	At   int64  `json:"at"` // unix ms
}

// MaxBroadcastBytes bounds a broadcast message.
const MaxBroadcastBytes = 1024

// MoveKey identifies one participant's page for Moves.
func MoveKey(link, client string) string { return link + "/" + client }

// GroupOf returns the group a participant's page belongs to: where a
// facilitator moved it, else the group of its link ("" for a link to the
// whole workshop).
func (w *Workshop) GroupOf(link, client, linkGroup string) string {
	if g, ok := w.Moves[MoveKey(link, client)]; ok {
		return g
	}
	return linkGroup
}

// Boards returns every board of the workshop, the plenary first.
func (w *Workshop) Boards() []string {
	out := []string{w.Plenary}
	for _, g := range w.Groups {
		out = append(out, g.Board)
	}
	return out
}

// IsLocked reports whether board is read-only for all but facilitators.
func (w *Workshop) IsLocked(board string) bool {
	for _, b := range w.Locked {
		if b == board {
			return true
		}
	}
	return false
}

// Plan is what a facilitator asks for when creating a workshop.
type Plan struct {
	Title    string          `json:"title"`
	Template board.Template  `json:"template"`
	Partners []board.Partner `json:"partners"`
	Groups   int             `json:"groups"`
}

// ErrInvalid wraps every problem with a plan; the message says what to fix
// in plain words.
var ErrInvalid = errors.New("invalid workshop")

// Check validates a plan and fills its defaults: an untitled workshop is
// called "Workshop", the template defaults to the persona grid and the
// number of groups to one.
func (p *Plan) Check() error {
	p.Title = strings.TrimSpace(p.Title)
	if p.Title == "" {
		p.Title = "Workshop"
	}
	if len(p.Title) > MaxTitleBytes || !utf8.ValidString(p.Title) {
		return fmt.Errorf("%w: the title is longer than %d bytes", ErrInvalid, MaxTitleBytes)
	}
	if p.Template == "" {
		p.Template = board.TemplatePersona
	}
	known := false
	for _, t := range board.Templates() {
		known = known || t == p.Template
	}
	if !known {
		return fmt.Errorf("%w: there is no template called %q", ErrInvalid, p.Template)
	}
	if p.Groups == 0 {
		p.Groups = 1
	}
	if p.Groups < 1 || p.Groups > MaxGroups {
		return fmt.Errorf("%w: a workshop has 1 to %d groups, not %d", ErrInvalid, MaxGroups, p.Groups)
	}
	if _, err := board.PartnerOps(p.Partners); err != nil {
		var be *board.Error
		if errors.As(err, &be) {
			return fmt.Errorf("%w: %s", ErrInvalid, be.Msg)
		}
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

// New lays out a checked plan as a workshop: newID makes ids for the
// workshop, its groups and their boards, and now is the creation time.
// The caller creates the boards (Groups[i].Board and Plenary) and stores
// the workshop.
func New(p Plan, newID func() string, now int64) Workshop {
	w := Workshop{ID: newID(), Title: p.Title, Template: p.Template, Partners: p.Partners, Plenary: newID(), Created: now}
	for i := range p.Groups {
		w.Groups = append(w.Groups, Group{ID: fmt.Sprintf("g%d", i+1), Name: fmt.Sprintf("Group %d", i+1), Board: newID()})
	}
	return w
}

// Group returns the group with id, if the workshop has it.
func (w *Workshop) Group(id string) (Group, bool) {
	for _, g := range w.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// HasBoard reports whether board is one of the workshop's boards.
func (w *Workshop) HasBoard(board string) bool {
	if board == w.Plenary {
		return true
	}
	for _, g := range w.Groups {
		if g.Board == board {
			return true
		}
	}
	return false
}
