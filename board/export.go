package board

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ExportFormat names the lossless JSON export, so an import can tell it
// from any other JSON.
const ExportFormat = "partnerboard/board"

// exportVersion is bumped when the export's shape changes.
const exportVersion = 1

// Export is a board as a self-contained, re-importable document.
type Export struct {
	Format   string          `json:"format"`
	Version  int             `json:"version"`
	Title    string          `json:"title"`
	Template string          `json:"template"`
	State    json.RawMessage `json:"state"`
}

// ExportJSON writes a board losslessly: its title, template and canonical
// state. Exporting an imported export gives the same bytes.
func ExportJSON(title, template string, s *State) ([]byte, error) {
	state, err := s.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("export board: %w", err)
	}
	b, err := json.MarshalIndent(Export{Format: ExportFormat, Version: exportVersion, Title: title, Template: template, State: state}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export board: %w", err)
	}
	return append(b, '\n'), nil
}

// ErrNotExport: the document is not a Partnerboard board export.
var ErrNotExport = errors.New("not a Partnerboard board export")

// ImportJSON reads an export, validating the state as untrusted input.
func ImportJSON(b []byte) (title, template string, s *State, err error) {
	var e Export
	if err := json.Unmarshal(b, &e); err != nil || e.Format != ExportFormat {
		return "", "", nil, ErrNotExport
	}
	if e.Version != exportVersion {
		return "", "", nil, fmt.Errorf("%w: version %d, this server reads version %d", ErrNotExport, e.Version, exportVersion)
	}
	s = NewState()
	if err := s.UnmarshalJSON(e.State); err != nil {
		return "", "", nil, fmt.Errorf("import board: %w", err)
	}
	return e.Title, e.Template, s, nil
}

// mdEscaper keeps people's words from turning into Markdown structure.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`)

// md makes one line of Markdown text from what someone typed.
func md(s string) string {
	return mdEscaper.Replace(strings.Join(strings.Fields(s), " "))
}

func tierName(tier string) string {
	switch tier {
	case "lead":
		return "lead partner"
	case "core":
		return "core partner"
	case "wider":
		return "wider partner"
	}
	return "partner"
}

// Markdown writes a theory-of-change draft: for each persona (and response
// map), the person, their challenges, and how the partnership could respond
// — which partners, whether only jointly, and who refers whom for what;
// then, partner by partner, what each is expected to do and which
// referrals it makes and receives.
func Markdown(title string, s *State) []byte {
	t := ReadTheoryOfChange(s)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Theory of change draft: %s\n\n", md(title))
	b.WriteString("This draft was written from the board. It keeps the group's own words; edit it freely.\n")
	type duty struct{ response, section string }
	type pathway struct{ from, to, reason string } // partner ids and the reason, as typed
	duties := map[string][]duty{}
	var pathways []pathway
	for _, sec := range t.Sections {
		if sec.Kind == "persona" {
			fmt.Fprintf(&b, "\n## Persona: %s\n\n", md(orDefault(sec.Title, "(no name yet)")))
		} else {
			fmt.Fprintf(&b, "\n## %s\n\n", md(orDefault(sec.Title, "Challenges and partnership responses")))
		}
		for _, f := range sec.Fields {
			fmt.Fprintf(&b, "- **%s:** %s\n", md(f.Label), md(f.Text))
		}
		if len(sec.Fields) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("### Challenges\n\n")
		if len(sec.Challenges) == 0 {
			b.WriteString("None written yet.\n")
		}
		for i, c := range sec.Challenges {
			fmt.Fprintf(&b, "%d. %s\n", i+1, md(Str(c, "text")))
		}
		b.WriteString("\n### How the partnership could respond\n\n")
		if len(sec.Responses) == 0 {
			b.WriteString("None written yet.\n")
		}
		for i, r := range sec.Responses {
			fmt.Fprintf(&b, "%d. %s\n", i+1, md(Str(r, "text")))
			if cs := t.LinkedChallenges(r); len(cs) > 0 {
				for k := range cs {
					cs[k] = md(cs[k])
				}
				fmt.Fprintf(&b, "   - Answers: %s\n", strings.Join(cs, "; "))
			}
			if ps := t.ResponsePartners(r); len(ps) > 0 {
				names := make([]string, len(ps))
				for k, p := range ps {
					names[k] = fmt.Sprintf("%s (%s)", md(Str(p, "name")), Str(p, "tier"))
					duties[p.ID] = append(duties[p.ID], duty{response: md(Str(r, "text")), section: md(sec.Title)})
				}
				fmt.Fprintf(&b, "   - Partners: %s\n", strings.Join(names, ", "))
			}
			if j, _ := r.Fields["jointly"].(bool); j {
				b.WriteString("   - Only possible jointly: no single organisation could do this alone.\n")
			}
			for _, ref := range t.Referrals[r.ID] {
				from, _, okF := t.PartnerName(Str(ref, "from"))
				to, _, okT := t.PartnerName(Str(ref, "to"))
				if !okF || !okT {
					continue
				}
				reason := strings.TrimSpace(Str(ref, "reason"))
				fmt.Fprintf(&b, "   - Referral: %s refers to %s%s\n", md(from), md(to), forReason(reason))
				pathways = append(pathways, pathway{from: Str(ref, "from"), to: Str(ref, "to"), reason: reason})
			}
		}
	}
	if len(t.Partners) > 0 {
		b.WriteString("\n## Partners\n")
		for _, p := range t.Partners {
			fmt.Fprintf(&b, "\n### %s (%s)\n\n", md(Str(p, "name")), tierName(Str(p, "tier")))
			involved := len(duties[p.ID]) > 0
			for _, pw := range pathways {
				involved = involved || pw.from == p.ID || pw.to == p.ID
			}
			if !involved {
				b.WriteString("No part in the responses yet.\n")
				continue
			}
			for _, d := range duties[p.ID] {
				fmt.Fprintf(&b, "- Expected to help with: %s (%s)\n", d.response, d.section)
			}
			for _, pw := range pathways {
				if pw.from == p.ID {
					to, _, _ := t.PartnerName(pw.to)
					fmt.Fprintf(&b, "- Refers people to %s%s\n", md(to), forReason(pw.reason))
				}
			}
			for _, pw := range pathways {
				if pw.to == p.ID {
					from, _, _ := t.PartnerName(pw.from)
					fmt.Fprintf(&b, "- Receives referrals from %s%s\n", md(from), forReason(pw.reason))
				}
			}
		}
	}
	return b.Bytes()
}

func forReason(reason string) string {
	if reason == "" {
		return ""
	}
	return " for " + md(reason)
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// CSVHeader is the first row of the CSV export.
var CSVHeader = []string{"section", "row", "response", "answers", "partner", "tier", "only_jointly", "refers_from", "refers_to", "reason"}

// CSV writes one row per response and partner, and one per referral
// pathway: who is expected to do what, and who is expected to refer whom,
// for what — the raw material of a delivery plan.
func CSV(s *State) ([]byte, error) {
	t := ReadTheoryOfChange(s)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(CSVHeader); err != nil {
		return nil, err
	}
	// clean folds what someone typed onto one line, and keeps a
	// spreadsheet from reading it as a formula.
	clean := func(s string) string {
		s = strings.Join(strings.Fields(s), " ")
		if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
			s = "'" + s
		}
		return s
	}
	for _, sec := range t.Sections {
		for _, r := range sec.Responses {
			text := clean(Str(r, "text"))
			answers := strings.Join(t.LinkedChallenges(r), "; ")
			jointly := "no"
			if j, _ := r.Fields["jointly"].(bool); j {
				jointly = "yes"
			}
			ps := t.ResponsePartners(r)
			if len(ps) == 0 {
				ps = []*Object{nil}
			}
			for _, p := range ps {
				if err := w.Write([]string{clean(sec.Title), "response", text, clean(answers), clean(Str(p, "name")), Str(p, "tier"), jointly, "", "", ""}); err != nil {
					return nil, err
				}
			}
			for _, ref := range t.Referrals[r.ID] {
				from, _, okF := t.PartnerName(Str(ref, "from"))
				to, _, okT := t.PartnerName(Str(ref, "to"))
				if !okF || !okT {
					continue
				}
				if err := w.Write([]string{clean(sec.Title), "referral", text, clean(answers), "", "", jointly, clean(from), clean(to), clean(Str(ref, "reason"))}); err != nil {
					return nil, err
				}
			}
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
