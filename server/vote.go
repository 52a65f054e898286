package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"partnerboard/workshop"
)

func (s *Server) voteRoutes(api *echo.Group) {
	api.POST("/workshops/:id/votes", s.startVoting)
	api.POST("/workshops/:id/votes/close", s.closeVoting)
	api.POST("/workshops/:id/votes/cast", s.castVote)
	api.POST("/workshops/:id/votes/uncast", s.uncastVote)
	api.GET("/workshops/:id/votes", s.voteStatus)
}

type startVotingReq struct {
	PerPerson int `json:"perPerson"`
}

// startVoting opens a new dot-voting round, closing any before it.
func (s *Server) startVoting(c echo.Context) error {
	if s.cfg.Votes == nil {
		return echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "Voting is not enabled on this server."})
	}
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	var req startVotingReq
	if err := jsonDecoder(c.Request().Body, 1<<10).Decode(&req); err != nil || req.PerPerson < 1 || req.PerPerson > workshop.MaxVotesPerPerson {
		return badRequest("bad_votes", `The request body must be {"perPerson": n} with n from 1 to 20.`)
	}
	w.Vote = &workshop.VoteRound{ID: randomID(8), PerPerson: req.PerPerson, Open: true, Started: s.cfg.Now().UnixMilli()}
	if err := s.cfg.Workshops.UpdateWorkshop(c.Request().Context(), w); err != nil {
		return err
	}
	s.notify(c, w, map[string]any{"t": "votes", "round": w.Vote})
	return c.JSON(http.StatusOK, w.Vote)
}

// closeVoting ends the round and shows everyone the results.
func (s *Server) closeVoting(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	if w.Vote == nil {
		return badRequest("no_round", "There is no voting round to close.")
	}
	w.Vote.Open = false
	if err := s.cfg.Workshops.UpdateWorkshop(c.Request().Context(), w); err != nil {
		return err
	}
	totals, err := s.cfg.Votes.VoteTotals(c.Request().Context(), w.Vote.ID)
	if err != nil {
		return err
	}
	s.notify(c, w, map[string]any{"t": "votes", "round": w.Vote, "totals": totals})
	return c.JSON(http.StatusOK, map[string]any{"round": w.Vote, "totals": totals})
}

type castReq struct {
	Board  string `json:"board"`
	Item   string `json:"item"`
	Client string `json:"client"` // the page's client id: one voter per page
}

// voter checks that the session may vote in the workshop's open round.
func (s *Server) voter(c echo.Context, req *castReq) (workshop.Workshop, string, error) {
	if s.cfg.Votes == nil {
		return workshop.Workshop{}, "", echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "Voting is not enabled on this server."})
	}
	claims, err := s.session(c)
	if err != nil {
		return workshop.Workshop{}, "", err
	}
	if claims.Workshop != c.Param("id") || claims.Role == workshop.Observer {
		return workshop.Workshop{}, "", forbidden("Your link does not let you vote in this workshop.")
	}
	if err := jsonDecoder(c.Request().Body, 1<<10).Decode(req); err != nil || !validID(req.Item) || !validID(req.Client) {
		return workshop.Workshop{}, "", badRequest("bad_json", `The request body must be {"board": "…", "item": "…", "client": "…"}.`)
	}
	w, err := s.cfg.Workshops.Workshop(c.Request().Context(), claims.Workshop)
	if err != nil {
		return w, "", err
	}
	if w.Vote == nil || !w.Vote.Open {
		return w, "", echo.NewHTTPError(http.StatusConflict, apiError{Code: "voting_closed", Message: "Voting is not open at the moment."})
	}
	if !w.HasBoard(req.Board) {
		return w, "", badRequest("bad_board", "That item is not on a board of this workshop.")
	}
	return w, workshop.MoveKey(claims.LinkID, req.Client), nil
}

func (s *Server) castVote(c echo.Context) error {
	var req castReq
	w, voter, err := s.voter(c, &req)
	if err != nil {
		return err
	}
	left, err := s.cfg.Votes.CastVote(c.Request().Context(), w.Vote.ID, voter, req.Board, req.Item, w.Vote.PerPerson)
	if errors.Is(err, workshop.ErrNoVotesLeft) {
		return echo.NewHTTPError(http.StatusConflict, apiError{Code: "no_votes_left", Message: "You have used all your dots in this round. You can take one back to move it."})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"left": left})
}

func (s *Server) uncastVote(c echo.Context) error {
	var req castReq
	w, voter, err := s.voter(c, &req)
	if err != nil {
		return err
	}
	left, err := s.cfg.Votes.UncastVote(c.Request().Context(), w.Vote.ID, voter, req.Board, req.Item, w.Vote.PerPerson)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"left": left})
}

// voteStatus: the round, the caller's dots left (?client=…), and the
// totals — for facilitators at any time, for everyone once it closes, so
// nobody follows the crowd while voting.
func (s *Server) voteStatus(c echo.Context) error {
	claims, w, err := s.memberOf(c)
	if err != nil {
		return err
	}
	out := map[string]any{"round": w.Vote}
	if w.Vote == nil || s.cfg.Votes == nil {
		return c.JSON(http.StatusOK, out)
	}
	if client := c.QueryParam("client"); validID(client) {
		left, err := s.cfg.Votes.VotesLeft(c.Request().Context(), w.Vote.ID, workshop.MoveKey(claims.LinkID, client), w.Vote.PerPerson)
		if err != nil {
			return err
		}
		out["left"] = left
	}
	if claims.Role == workshop.Facilitator || !w.Vote.Open {
		totals, err := s.cfg.Votes.VoteTotals(c.Request().Context(), w.Vote.ID)
		if err != nil {
			return err
		}
		out["totals"] = totals
	}
	return c.JSON(http.StatusOK, out)
}
