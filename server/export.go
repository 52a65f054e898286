package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"partnerboard/board"
	"partnerboard/hub"
	"partnerboard/workshop"
)

// MaxImportBytes bounds an imported board export: a full board of
// board.MaxObjects objects fits.
const MaxImportBytes = 32 << 20

func (s *Server) exportRoutes(api *echo.Group) {
	api.GET("/boards/:id/export", s.exportBoard)
	api.POST("/boards/import", s.importBoard)
	api.GET("/workshops/:id/export", s.exportWorkshop)
	api.GET("/snapshots/:sid/export", s.exportSnapshot)
}

// liveState returns a board's current content, checking access.
func (s *Server) liveState(c echo.Context, id string) (*hub.Snapshot, *board.State, error) {
	if !validID(id) {
		return nil, nil, echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "There is no board at this address."})
	}
	if _, err := s.boardAccess(c, id); err != nil {
		return nil, nil, err
	}
	snap, err := s.hub.Snapshot(c.Request().Context(), id)
	if err != nil {
		return nil, nil, err
	}
	st := board.NewState()
	if err := st.UnmarshalJSON(snap.State); err != nil {
		return nil, nil, err
	}
	return snap, st, nil
}

// attachment sends b as a download named name.
func attachment(c echo.Context, name, contentType string, b []byte) error {
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Blob(http.StatusOK, contentType, b)
}

// fileName makes a safe download name from a title.
func fileName(title, ext string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		name = "board"
	}
	return name + "." + ext
}

func badFormat() error {
	return badRequest("bad_format", "Choose format=json, md, csv, svg or minutes.")
}

// exportBoard: ?format=json (lossless, re-importable), md (theory-of-change
// draft), csv (responses and referrals), svg (a picture) or minutes (the
// minutes of a meeting board, in Markdown).
func (s *Server) exportBoard(c echo.Context) error {
	snap, st, err := s.liveState(c, c.Param("id"))
	if err != nil {
		return err
	}
	return s.sendExport(c, snap.Board.Title, snap.Board.Template, st)
}

// exportSnapshot exports a saved snapshot in any of the board formats,
// titled with the board's title and the snapshot's name.
func (s *Server) exportSnapshot(c echo.Context) error {
	sn, st, err := s.loadSnapshot(c)
	if err != nil {
		return err
	}
	snap, _, err := s.liveState(c, sn.Board)
	if err != nil {
		return err
	}
	return s.sendExport(c, snap.Board.Title+" — "+sn.Name, snap.Board.Template, st)
}

// sendExport answers with st in the format the query asks for.
func (s *Server) sendExport(c echo.Context, title, tmpl string, st *board.State) error {
	switch c.QueryParam("format") {
	case "json":
		b, err := board.ExportJSON(title, tmpl, st)
		if err != nil {
			return err
		}
		return attachment(c, fileName(title, "json"), "application/json", b)
	case "md":
		return attachment(c, fileName(title, "md"), "text/markdown; charset=utf-8", board.Markdown(title, st))
	case "csv":
		b, err := board.CSV(st)
		if err != nil {
			return err
		}
		return attachment(c, fileName(title, "csv"), "text/csv; charset=utf-8", b)
	case "svg":
		return attachment(c, fileName(title, "svg"), "image/svg+xml", board.SVG(title, st))
	case "minutes":
		name := strings.TrimSuffix(fileName(title, "md"), ".md") + "-minutes.md"
		today := s.cfg.Now().UTC().Format("2006-01-02")
		return attachment(c, name, "text/markdown; charset=utf-8", board.Minutes(title, st, today))
	default:
		return badFormat()
	}
}

// importBoard creates a new open board from a JSON export.
func (s *Server) importBoard(c echo.Context) error {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, MaxImportBytes+1))
	if err != nil {
		return err
	}
	if len(b) > MaxImportBytes {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, apiError{Code: "too_large", Message: "That file is too large to import."})
	}
	title, tmpl, st, err := board.ImportJSON(b)
	if err != nil {
		msg := "That file is not a Partnerboard board export."
		if !errors.Is(err, board.ErrNotExport) {
			msg = "The board in that file could not be read: " + err.Error()
		}
		return badRequest("bad_import", msg)
	}
	state, err := st.MarshalJSON()
	if err != nil {
		return err
	}
	if !strings.Contains(title, "(imported)") {
		title = strings.TrimSpace(title + " (imported)")
	}
	if len(title) > board.MaxLabelBytes {
		title = "Imported board"
	}
	info := hub.BoardInfo{ID: randomID(9), Title: title, Template: tmpl, Epoch: randomID(6), Created: s.cfg.Now().UnixMilli()}
	if err := s.boards.CreateBoard(c.Request().Context(), info, state); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, info)
}

// workshopExport is the JSON export of a whole workshop.
type workshopExport struct {
	Format   string            `json:"format"`
	Workshop workshop.Workshop `json:"workshop"`
	Boards   []json.RawMessage `json:"boards"`
}

// exportWorkshop exports every board of a workshop (plenary first, then the
// groups): md and csv concatenate the boards; json bundles their exports.
func (s *Server) exportWorkshop(c echo.Context) error {
	claims, w, err := s.memberOf(c)
	if err != nil {
		return err
	}
	if claims.Role == workshop.Observer && c.QueryParam("format") == "json" {
		return forbidden("Your link does not allow exporting this workshop.")
	}
	type one struct {
		title, template string
		state           *board.State
	}
	var boards []one
	for _, id := range w.Boards() {
		snap, err := s.hub.Snapshot(c.Request().Context(), id)
		if err != nil {
			return err
		}
		st := board.NewState()
		if err := st.UnmarshalJSON(snap.State); err != nil {
			return err
		}
		boards = append(boards, one{snap.Board.Title, snap.Board.Template, st})
	}
	switch c.QueryParam("format") {
	case "md":
		var b bytes.Buffer
		fmt.Fprintf(&b, "# Workshop: %s\n", w.Title)
		for _, bd := range boards {
			b.WriteString("\n")
			// Each board's draft, one heading level down.
			for _, line := range strings.SplitAfter(string(board.Markdown(bd.title, bd.state)), "\n") {
				if strings.HasPrefix(line, "#") {
					line = "#" + line
				}
				b.WriteString(line)
			}
		}
		return attachment(c, fileName(w.Title, "md"), "text/markdown; charset=utf-8", b.Bytes())
	case "csv":
		var b bytes.Buffer
		out := csv.NewWriter(&b)
		_ = out.Write(append([]string{"board"}, board.CSVHeader...))
		for _, bd := range boards {
			one, err := board.CSV(bd.state)
			if err != nil {
				return err
			}
			rows, err := csv.NewReader(bytes.NewReader(one)).ReadAll()
			if err != nil {
				return err
			}
			for _, r := range rows[1:] {
				_ = out.Write(append([]string{bd.title}, r...))
			}
		}
		out.Flush()
		return attachment(c, fileName(w.Title, "csv"), "text/csv; charset=utf-8", b.Bytes())
	case "json":
		e := workshopExport{Format: "partnerboard/workshop", Workshop: w}
		for _, bd := range boards {
			b, err := board.ExportJSON(bd.title, bd.template, bd.state)
			if err != nil {
				return err
			}
			e.Boards = append(e.Boards, b)
		}
		return c.JSON(http.StatusOK, e)
	default:
		return badRequest("bad_format", "Choose format=json, md or csv.")
	}
}
