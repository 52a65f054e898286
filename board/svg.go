package board

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SVG draws the board as a standalone picture. Every piece of text people
// wrote is escaped as XML character data, colours are only ever the
// validated #rrggbb values, and nothing executable (no script, no event
// attribute, no link) is written, so the file is safe to open anywhere.
func SVG(title string, s *State) []byte {
	objs := s.Objects()
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	grow := func(x, y float64) {
		minX, minY = math.Min(minX, x), math.Min(minY, y)
		maxX, maxY = math.Max(maxX, x), math.Max(maxY, y)
	}
	for _, o := range objs {
		x, okX := Num(o, "x")
		y, okY := Num(o, "y")
		if okX && okY {
			w, h := size(o)
			grow(x, y)
			grow(x+w, y+h)
		}
		if pts, ok := o.Fields["points"].([]float64); ok {
			for i := 0; i+1 < len(pts); i += 2 {
				grow(pts[i], pts[i+1])
			}
		}
	}
	if math.IsInf(minX, 1) {
		minX, minY, maxX, maxY = 0, 0, 800, 600
	}
	const pad = 40
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="%s %s %s %s" width="%s" height="%s" font-family="sans-serif">`+"\n",
		n(minX-pad), n(minY-pad), n(maxX-minX+2*pad), n(maxY-minY+2*pad), n(maxX-minX+2*pad), n(maxY-minY+2*pad))
	b.WriteString(`<title>`)
	xmlText(&b, title)
	b.WriteString("</title>\n")
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#3e4c59"/></marker></defs>` + "\n")

	items := map[string][]*Object{}
	for _, o := range objs {
		if o.Kind == KindItem {
			items[Str(o, "parent")] = append(items[Str(o, "parent")], o)
		}
	}
	// Frames first, then everything else in z order, so frames sit behind.
	draw := func(o *Object) {
		x, _ := Num(o, "x")
		y, _ := Num(o, "y")
		w, _ := Num(o, "w")
		h, _ := Num(o, "h")
		color := Str(o, "color")
		switch o.Kind {
		case KindFrame:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="8" fill="#ffffff" stroke="#9aa5b1"/>`+"\n", n(x), n(y), n(w), n(h))
			textBlock(&b, x+16, y+32, 22, "bold", []string{Str(o, "title")})
		case KindCell:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="4" fill="%s" stroke="#cbd2d9"/>`+"\n", n(x), n(y), n(w), n(h), orDefault(color, "#f5f7fa"))
			lines := []string{}
			if Str(o, "role") == "list" {
				list := items[o.ID]
				inOrder(list)
				for _, it := range list {
					lines = append(lines, wrap("• "+Str(it, "text"), w)...)
				}
			} else {
				lines = wrap(Str(o, "text"), w)
			}
			textBlock(&b, x+10, y+20, 13, "bold", []string{Str(o, "label")})
			textBlock(&b, x+10, y+40, 14, "", clip(lines, h-30))
		case KindNote:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#e0c97a"/>`+"\n", n(x), n(y), n(orDefault0(w, 180)), n(orDefault0(h, 120)), orDefault(color, "#fff3c4"))
			textBlock(&b, x+10, y+22, 14, "", clip(wrap(Str(o, "text"), orDefault0(w, 180)), orDefault0(h, 120)-10))
		case KindText:
			size, ok := Num(o, "fontSize")
			if !ok {
				size = 16
			}
			textBlock(&b, x, y+size, size, "", wrap(Str(o, "text"), orDefault0(w, 600)))
		case KindShape:
			fill := orDefault(color, "#e4e7eb")
			switch Str(o, "shape") {
			case "ellipse":
				fmt.Fprintf(&b, `<ellipse cx="%s" cy="%s" rx="%s" ry="%s" fill="%s" stroke="#7b8794"/>`+"\n", n(x+w/2), n(y+h/2), n(w/2), n(h/2), fill)
			case "diamond":
				fmt.Fprintf(&b, `<polygon points="%s,%s %s,%s %s,%s %s,%s" fill="%s" stroke="#7b8794"/>`+"\n", n(x+w/2), n(y), n(x+w), n(y+h/2), n(x+w/2), n(y+h), n(x), n(y+h/2), fill)
			case "triangle":
				fmt.Fprintf(&b, `<polygon points="%s,%s %s,%s %s,%s" fill="%s" stroke="#7b8794"/>`+"\n", n(x+w/2), n(y), n(x+w), n(y+h), n(x), n(y+h), fill)
			default:
				fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#7b8794"/>`+"\n", n(x), n(y), n(w), n(h), fill)
			}
			textBlock(&b, x+10, y+22, 14, "", clip(wrap(Str(o, "text"), w), h-10))
		case KindConnector:
			x1, y1, x2, y2 := x, y, 0.0, 0.0
			x2, _ = Num(o, "x2")
			y2, _ = Num(o, "y2")
			if from, ok := s.Get(Str(o, "from")); ok {
				x1, y1 = centre(from)
			}
			if to, ok := s.Get(Str(o, "to")); ok {
				x2, y2 = centre(to)
			}
			marker := ` marker-end="url(#arrow)"`
			switch Str(o, "arrow") {
			case "none":
				marker = ""
			case "both":
				marker += ` marker-start="url(#arrow)"`
			}
			fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`+"\n", n(x1), n(y1), n(x2), n(y2), orDefault(color, "#3e4c59"), marker)
			if l := Str(o, "label"); l != "" {
				textBlock(&b, (x1+x2)/2, (y1+y2)/2-6, 13, "", []string{l})
			}
		case KindStroke:
			pts, _ := o.Fields["points"].([]float64)
			if len(pts) < 2 {
				return
			}
			width, ok := Num(o, "width")
			if !ok {
				width = 3
			}
			var d strings.Builder
			for i := 0; i+1 < len(pts); i += 2 {
				if i == 0 {
					d.WriteString("M")
				} else {
					d.WriteString(" L")
				}
				d.WriteString(n(pts[i]) + " " + n(pts[i+1]))
			}
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linecap="round" stroke-linejoin="round"/>`+"\n", d.String(), orDefault(color, "#1f2933"), n(width))
		case KindCard:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="6" fill="%s" stroke="#7b8794"/>`+"\n", n(x), n(y), n(orDefault0(w, 220)), n(orDefault0(h, 140)), orDefault(color, "#e8f0fe"))
			textBlock(&b, x+10, y+20, 12, "bold", []string{orDefault(Str(o, "label"), ThemeTitles[Str(o, "theme")])})
			textBlock(&b, x+10, y+40, 14, "", clip(wrap(Str(o, "prompt"), orDefault0(w, 220)), orDefault0(h, 140)-30))
		}
	}
	for _, pass := range []bool{true, false} {
		zs := make([]*Object, 0, len(objs))
		for _, o := range objs {
			if (o.Kind == KindFrame) == pass {
				zs = append(zs, o)
			}
		}
		sortByZ(zs)
		for _, o := range zs {
			draw(o)
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// size is an object's width and height as drawn: notes and cards without
// a size of their own get the size pages give them.
func size(o *Object) (float64, float64) {
	w, _ := Num(o, "w")
	h, _ := Num(o, "h")
	switch o.Kind {
	case KindNote:
		return orDefault0(w, 180), orDefault0(h, 120)
	case KindCard:
		return orDefault0(w, 220), orDefault0(h, 140)
	}
	return w, h
}

func sortByZ(objs []*Object) {
	for i := 1; i < len(objs); i++ {
		for j := i; j > 0 && Less(Str(objs[j], "z"), objs[j].ID, Str(objs[j-1], "z"), objs[j-1].ID); j-- {
			objs[j], objs[j-1] = objs[j-1], objs[j]
		}
	}
}

func centre(o *Object) (float64, float64) {
	x, _ := Num(o, "x")
	y, _ := Num(o, "y")
	w, _ := Num(o, "w")
	h, _ := Num(o, "h")
	return x + w/2, y + h/2
}

func orDefault0(v, def float64) float64 {
	if v <= 0 {
		return def
	}
	return v
}

// n formats a coordinate compactly.
func n(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// xmlText writes s as escaped character data.
func xmlText(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s))
}

func textBlock(b *bytes.Buffer, x, y, size float64, weight string, lines []string) {
	for i, l := range lines {
		if l == "" {
			continue
		}
		w := ""
		if weight != "" {
			w = ` font-weight="` + weight + `"`
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" font-size="%s"%s fill="#1f2933">`, n(x), n(y+float64(i)*size*1.3), n(size), w)
		xmlText(b, l)
		b.WriteString("</text>\n")
	}
}

// wrap breaks text into lines that fit roughly in width (a character is
// about half the font size wide).
func wrap(text string, width float64) []string {
	per := int(width / 7.5)
	if per < 8 {
		per = 8
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for utf8.RuneCountInString(word) > per {
				r := []rune(word)
				if line != "" {
					out = append(out, line)
					line = ""
				}
				out = append(out, string(r[:per]))
				word = string(r[per:])
			}
			switch {
			case line == "":
				line = word
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= per:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}

// clip keeps the lines that fit in height, marking the cut.
func clip(lines []string, height float64) []string {
	max := int(height / 18)
	if max < 1 {
		max = 1
	}
	if len(lines) > max {
		lines = append(lines[:max-1:max-1], "…")
	}
	return lines
}
