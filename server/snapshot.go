package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"partnerboard/board"
	"partnerboard/workshop"
)

func (s *Server) snapshotRoutes(api *echo.Group) {
	api.POST("/boards/:id/snapshots", s.saveBoardSnapshot)
	api.GET("/boards/:id/snapshots", s.listSnapshots)
	api.POST("/workshops/:id/snapshots", s.saveWorkshopSnapshot)
	api.GET("/snapshots/:sid", s.openSnapshot)
	api.GET("/snapshots/:sid/compare", s.compareSnapshot)
	api.GET("/snapshots/:sid/restore", s.restoreSnapshot)
}

type snapshotReq struct {
	Name string `json:"name"`
}

func (s *Server) snapshotsEnabled() error {
	if s.cfg.Snapshots == nil {
		return echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "Snapshots are not enabled on this server."})
	}
	return nil
}

func snapshotName(c echo.Context) (string, error) {
	var req snapshotReq
	if err := jsonDecoder(c.Request().Body, 4<<10).Decode(&req); err != nil {
		return "", badRequest("bad_json", `The request body must be {"name": "…"}.`)
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || len(name) > workshop.MaxSnapshotNameBytes {
		return "", badRequest("bad_name", "Please give the snapshot a name of up to 256 bytes.")
	}
	if !savableText(name) {
		return "", badRequest("bad_name", "The name has a character that cannot be saved (broken UTF-8 or a null character). Please type it again.")
	}
	return name, nil
}

// snapshot saves the live content of one board.
func (s *Server) snapshot(c echo.Context, boardID, workshopID, name string) (workshop.Snapshot, error) {
	snap, err := s.hub.Snapshot(c.Request().Context(), boardID)
	if err != nil {
		return workshop.Snapshot{}, err
	}
	sn := workshop.Snapshot{ID: randomID(10), Board: boardID, Workshop: workshopID, Name: name,
		Created: s.cfg.Now().UnixMilli(), Seq: snap.Seq, State: snap.State}
	if err := s.cfg.Snapshots.SaveSnapshot(c.Request().Context(), sn); err != nil {
		return workshop.Snapshot{}, err
	}
	sn.State = nil
	return sn, nil
}

// saveBoardSnapshot: on a workshop's board only facilitators save
// snapshots; on an open board anyone on it may.
func (s *Server) saveBoardSnapshot(c echo.Context) error {
	if err := s.snapshotsEnabled(); err != nil {
		return err
	}
	id := c.Param("id")
	acc, err := s.boardAccess(c, id)
	if err != nil {
		return err
	}
	if acc.link != "" && !acc.facilitator {
		return forbidden("Only facilitators can save snapshots of this board.")
	}
	name, err := snapshotName(c)
	if err != nil {
		return err
	}
	ws := ""
	if s.cfg.Workshops != nil {
		if w, err := s.cfg.Workshops.WorkshopOfBoard(c.Request().Context(), id); err == nil {
			ws = w.ID
		}
	}
	sn, err := s.snapshot(c, id, ws, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sn)
}

// saveWorkshopSnapshot saves every board of a workshop under one name.
func (s *Server) saveWorkshopSnapshot(c echo.Context) error {
	if err := s.snapshotsEnabled(); err != nil {
		return err
	}
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	name, err := snapshotName(c)
	if err != nil {
		return err
	}
	out := []workshop.Snapshot{}
	for _, b := range w.Boards() {
		sn, err := s.snapshot(c, b, w.ID, name)
		if err != nil {
			return err
		}
		out = append(out, sn)
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) listSnapshots(c echo.Context) error {
	if err := s.snapshotsEnabled(); err != nil {
		return err
	}
	id := c.Param("id")
	if _, err := s.boardAccess(c, id); err != nil {
		return err
	}
	list, err := s.cfg.Snapshots.SnapshotsOf(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

// loadSnapshot returns a snapshot the request may read, and its state.
func (s *Server) loadSnapshot(c echo.Context) (workshop.Snapshot, *board.State, error) {
	if err := s.snapshotsEnabled(); err != nil {
		return workshop.Snapshot{}, nil, err
	}
	sn, err := s.cfg.Snapshots.Snapshot(c.Request().Context(), c.Param("sid"))
	if errors.Is(err, workshop.ErrNotFound) {
		return sn, nil, echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "There is no such snapshot."})
	}
	if err != nil {
		return sn, nil, err
	}
	if _, err := s.boardAccess(c, sn.Board); err != nil {
		return sn, nil, err
	}
	st := board.NewState()
	if err := st.UnmarshalJSON(sn.State); err != nil {
		return sn, nil, err
	}
	return sn, st, nil
}

// openSnapshot returns the snapshot with its state, for a read-only view.
func (s *Server) openSnapshot(c echo.Context) error {
	sn, _, err := s.loadSnapshot(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sn)
}

// compareSnapshot lists what was added, removed and changed since.
func (s *Server) compareSnapshot(c echo.Context) error {
	sn, st, err := s.loadSnapshot(c)
	if err != nil {
		return err
	}
	_, now, err := s.liveState(c, sn.Board)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, board.Compare(st, now))
}

// restoreSnapshot returns the ops that bring the board back to the
// snapshot. The page sends them as its own batches, so everyone sees the
// restore happen and its author can undo it like any edit.
func (s *Server) restoreSnapshot(c echo.Context) error {
	sn, st, err := s.loadSnapshot(c)
	if err != nil {
		return err
	}
	acc, err := s.boardAccess(c, sn.Board)
	if err != nil {
		return err
	}
	if acc.readOnly {
		return forbidden("You can look at this snapshot but not restore it.")
	}
	_, now, err := s.liveState(c, sn.Board)
	if err != nil {
		return err
	}
	ops, renamed := board.RestoreOps(now, st, func(old string) string {
		if len(old) > board.MaxIDBytes-7 {
			old = old[:board.MaxIDBytes-7]
		}
		return old + "-" + randomID(6)
	})
	if ops == nil {
		ops = []board.Op{}
	}
	return c.JSON(http.StatusOK, map[string]any{"ops": ops, "renamed": renamed, "maxOpsPerBatch": board.MaxOpsPerBatch})
}
