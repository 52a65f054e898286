package server

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"partnerboard/board"
	"partnerboard/hub"
	"partnerboard/workshop"
)

// Workshop-side limits and names.
const (
	// SessionCookie holds the link token once a page has exchanged it: it
	// is HttpOnly (no script reads it) and SameSite=Strict (no other site
	// can send it), and it never appears in a URL.
	SessionCookie = "pb_session"
	// FacilitatorLinkLifetime is how long the link handed to the person
	// who creates a workshop lasts.
	FacilitatorLinkLifetime = 30 * 24 * time.Hour
	// DefaultLinkLifetime is how long other links last unless asked.
	DefaultLinkLifetime = 7 * 24 * time.Hour
	// CloseRevoked: the link was withdrawn or has expired.
	CloseRevoked = 4403
)

// sessions remembers which live clients joined with which link, so that
// withdrawing a link closes its sockets at once and a facilitator can
// reach one person's page.
type sessions struct {
	mu        sync.Mutex
	byLink    map[string]map[*hub.Client]struct{}
	bySession map[string]liveClient
}

type liveClient struct {
	c    *hub.Client
	link string
	// participant: the client's rights depend on the workshop's state
	// (the plenary open or not), not only on its link's role.
	participant bool
}

func (s *sessions) add(link string, c *hub.Client, participant bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byLink == nil {
		s.byLink = make(map[string]map[*hub.Client]struct{})
		s.bySession = make(map[string]liveClient)
	}
	if s.byLink[link] == nil {
		s.byLink[link] = make(map[*hub.Client]struct{})
	}
	s.byLink[link][c] = struct{}{}
	s.bySession[c.Session()] = liveClient{c: c, link: link, participant: participant}
}

func (s *sessions) remove(link string, c *hub.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byLink[link], c)
	if len(s.byLink[link]) == 0 {
		delete(s.byLink, link)
	}
	delete(s.bySession, c.Session())
}

func (s *sessions) find(session string) (liveClient, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lc, ok := s.bySession[session]
	return lc, ok
}

// refreshRights ends the sessions of participants on board, so that they
// come straight back with the rights the workshop now gives them.
func (s *sessions) refreshRights(board string) int {
	s.mu.Lock()
	var cs []*hub.Client
	for _, lc := range s.bySession {
		if lc.participant && lc.c.Board() == board {
			cs = append(cs, lc.c)
		}
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.Kick(hub.ReasonRights)
	}
	return len(cs)
}

// snapshot lists the boards and the links of every live session.
func (s *sessions) snapshot() (boards, links []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for link, cs := range s.byLink {
		links = append(links, link)
		for c := range cs {
			if !seen[c.Board()] {
				seen[c.Board()] = true
				boards = append(boards, c.Board())
			}
		}
	}
	return boards, links
}

func (s *sessions) kick(link string) int {
	s.mu.Lock()
	cs := make([]*hub.Client, 0, len(s.byLink[link]))
	for c := range s.byLink[link] {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.Kick(hub.ReasonRevoked)
	}
	return len(cs)
}

func (s *Server) workshopRoutes(api *echo.Group) {
	api.POST("/workshops", s.createWorkshop)
	api.POST("/session", s.startSession)
	api.GET("/session", s.currentSession)
	api.GET("/workshops/:id", s.getWorkshop)
	api.POST("/workshops/:id/links", s.createLink)
	api.GET("/workshops/:id/links", s.listLinks)
	api.DELETE("/workshops/:id/links/:link", s.revokeLink)
	api.POST("/workshops/:id/boards/:board/lock", s.lockBoard)
	api.POST("/workshops/:id/plenary", s.setPlenary)
	api.POST("/workshops/:id/broadcast", s.broadcast)
	api.POST("/workshops/:id/timer", s.setTimer)
	api.POST("/workshops/:id/gather", s.gather)
	api.POST("/workshops/:id/move", s.move)
}

func unauthorized(msg string) error {
	return echo.NewHTTPError(http.StatusUnauthorized, apiError{Code: "unauthorized", Message: msg})
}

func forbidden(msg string) error {
	return echo.NewHTTPError(http.StatusForbidden, apiError{Code: "forbidden", Message: msg})
}

// authError maps workshop errors to the answer a person sees.
func authError(err error) error {
	switch {
	case errors.Is(err, workshop.ErrExpired):
		return unauthorized("This link has expired. Please ask the facilitator for a new one.")
	case errors.Is(err, workshop.ErrRevoked):
		return unauthorized("This link has been withdrawn. Please ask the facilitator for a new one.")
	case errors.Is(err, workshop.ErrBadToken):
		return unauthorized("This link is not valid. Please check you copied all of it, or ask the facilitator for a new one.")
	default:
		return err
	}
}

func (s *Server) workshopsEnabled() error {
	if s.cfg.Workshops == nil || s.cfg.Signer == nil {
		return echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "Workshops are not enabled on this server."})
	}
	return nil
}

// session reads and checks the request's session cookie.
func (s *Server) session(c echo.Context) (workshop.Claims, error) {
	if err := s.workshopsEnabled(); err != nil {
		return workshop.Claims{}, err
	}
	ck, err := c.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return workshop.Claims{}, unauthorized("Please open the link the facilitator gave you.")
	}
	claims, err := workshop.Authenticate(c.Request().Context(), s.cfg.Signer, s.cfg.Workshops, ck.Value, s.cfg.Now())
	if err != nil {
		return workshop.Claims{}, authError(err)
	}
	return claims, nil
}

// facilitatorOf checks that the session is a facilitator of the workshop in
// the path, and returns the workshop, locked against other changes to it
// from this server until unlock is called: changes read, modify and write
// the workshop's document, and two at once must not lose one.
func (s *Server) facilitatorOf(c echo.Context) (w workshop.Workshop, unlock func(), err error) {
	claims, err := s.session(c)
	if err != nil {
		return w, nil, err
	}
	if claims.Workshop != c.Param("id") || claims.Role != workshop.Facilitator {
		return w, nil, forbidden("Only the workshop's facilitators can do that.")
	}
	mu := s.workshopLock(claims.Workshop)
	mu.Lock()
	unlock = mu.Unlock
	if s.cfg.LockWorkshop != nil {
		// Other nodes change the same document: hold the cluster's lock
		// too (after this node's, so one node queues for it only once).
		release, err := s.cfg.LockWorkshop(c.Request().Context(), claims.Workshop)
		if err != nil {
			mu.Unlock()
			return w, nil, err
		}
		unlock = func() { release(); mu.Unlock() }
	}
	w, err = s.cfg.Workshops.Workshop(c.Request().Context(), claims.Workshop)
	if err != nil {
		unlock()
		return w, nil, err
	}
	return w, unlock, nil
}

// workshopLock returns the mutex that serialises changes to one workshop.
// Locks are striped by id: a fixed set, never cleaned up, rarely shared.
func (s *Server) workshopLock(id string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return &s.wsLocks[h.Sum32()%uint32(len(s.wsLocks))]
}

type linkOut struct {
	Link  workshop.Link `json:"link"`
	Token string        `json:"token"`
	// URL carries the token in its fragment: browsers never send a
	// fragment to a server, so it stays out of every access log.
	URL string `json:"url"`
}

func (s *Server) issue(l workshop.Link) (linkOut, error) {
	tok, err := s.cfg.Signer.Issue(l)
	if err != nil {
		return linkOut{}, err
	}
	return linkOut{Link: l, Token: tok, URL: "/w/" + l.Workshop + "#t=" + tok}, nil
}

// createWorkshop makes the workshop, a board per group and the plenary,
// and a facilitator link for the person who asked.
func (s *Server) createWorkshop(c echo.Context) error {
	if err := s.workshopsEnabled(); err != nil {
		return err
	}
	var p workshop.Plan
	if err := jsonDecoder(c.Request().Body, 64<<10).Decode(&p); err != nil {
		return badRequest("bad_json", "The request body must be a JSON object with a title, a template, partners and a number of groups.")
	}
	if err := p.Check(); err != nil {
		return badRequest("bad_workshop", strings.TrimPrefix(err.Error(), workshop.ErrInvalid.Error()+": "))
	}
	ctx := c.Request().Context()
	now := s.cfg.Now()
	w := workshop.New(p, func() string { return randomID(9) }, now.UnixMilli())
	create := func(id, title string, t board.Template) error {
		st, err := board.TemplateState(t, p.Partners)
		if err != nil {
			return err
		}
		state, err := st.MarshalJSON()
		if err != nil {
			return err
		}
		return s.boards.CreateBoard(ctx, hub.BoardInfo{ID: id, Title: title, Template: string(t), Epoch: randomID(6), Created: now.UnixMilli()}, state)
	}
	if err := create(w.Plenary, w.Title+": plenary", board.TemplateResponseMap); err != nil {
		return err
	}
	for _, g := range w.Groups {
		if err := create(g.Board, w.Title+": "+g.Name, p.Template); err != nil {
			return err
		}
	}
	if err := s.cfg.Workshops.CreateWorkshop(ctx, w); err != nil {
		return err
	}
	l, err := workshop.NewLink(&w, workshop.Facilitator, "", "Facilitator", randomID(12), now, FacilitatorLinkLifetime)
	if err != nil {
		return err
	}
	if err := s.cfg.Workshops.SaveLink(ctx, l); err != nil {
		return err
	}
	out, err := s.issue(l)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"workshop": w, "facilitator": out})
}

type sessionReq struct {
	Token string `json:"token"`
}

type sessionOut struct {
	Workshop workshop.Workshop `json:"workshop"`
	Role     workshop.Role     `json:"role"`
	Group    string            `json:"group,omitempty"`
	Expires  int64             `json:"expires"`
}

// startSession exchanges a link's token (from the page's URL fragment) for
// an HttpOnly session cookie.
func (s *Server) startSession(c echo.Context) error {
	if err := s.workshopsEnabled(); err != nil {
		return err
	}
	var req sessionReq
	if err := jsonDecoder(c.Request().Body, 16<<10).Decode(&req); err != nil || req.Token == "" {
		return badRequest("bad_json", "The request body must be a JSON object with the link's token.")
	}
	claims, err := workshop.Authenticate(c.Request().Context(), s.cfg.Signer, s.cfg.Workshops, req.Token, s.cfg.Now())
	if err != nil {
		return authError(err)
	}
	w, err := s.cfg.Workshops.Workshop(c.Request().Context(), claims.Workshop)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: req.Token, Path: "/", Expires: claims.Expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https",
	})
	return c.JSON(http.StatusOK, sessionOut{Workshop: w, Role: claims.Role, Group: claims.Group, Expires: claims.Expires.UnixMilli()})
}

func (s *Server) currentSession(c echo.Context) error {
	claims, err := s.session(c)
	if err != nil {
		return err
	}
	w, err := s.cfg.Workshops.Workshop(c.Request().Context(), claims.Workshop)
	if err != nil {
		return err
	}
	// A page that says which client it is learns its group as the
	// facilitator last set it.
	group := claims.Group
	if client := c.QueryParam("client"); validID(client) && claims.Role == workshop.Participant {
		group = w.GroupOf(claims.LinkID, client, claims.Group)
	}
	return c.JSON(http.StatusOK, sessionOut{Workshop: w, Role: claims.Role, Group: group, Expires: claims.Expires.UnixMilli()})
}

// memberOf checks that the session belongs to the workshop in the path,
// in any role, and returns both.
func (s *Server) memberOf(c echo.Context) (workshop.Claims, workshop.Workshop, error) {
	claims, err := s.session(c)
	if err != nil {
		return claims, workshop.Workshop{}, err
	}
	if claims.Workshop != c.Param("id") {
		return claims, workshop.Workshop{}, forbidden("Your link is for another workshop.")
	}
	w, err := s.cfg.Workshops.Workshop(c.Request().Context(), claims.Workshop)
	return claims, w, err
}

func (s *Server) getWorkshop(c echo.Context) error {
	_, w, err := s.memberOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

type linkReq struct {
	Role  workshop.Role `json:"role"`
	Group string        `json:"group"`
	Label string        `json:"label"`
	Hours float64       `json:"hours"` // lifetime; DefaultLinkLifetime if 0
}

func (s *Server) createLink(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	var req linkReq
	if err := jsonDecoder(c.Request().Body, 16<<10).Decode(&req); err != nil {
		return badRequest("bad_json", "The request body must be a JSON object with a role.")
	}
	ttl := DefaultLinkLifetime
	if req.Hours != 0 {
		ttl = time.Duration(req.Hours * float64(time.Hour))
	}
	l, err := workshop.NewLink(&w, req.Role, req.Group, strings.TrimSpace(req.Label), randomID(12), s.cfg.Now(), ttl)
	if err != nil {
		return badRequest("bad_link", strings.TrimPrefix(err.Error(), workshop.ErrInvalid.Error()+": "))
	}
	if err := s.cfg.Workshops.SaveLink(c.Request().Context(), l); err != nil {
		return err
	}
	out, err := s.issue(l)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) listLinks(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	links, err := s.cfg.Workshops.Links(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	if links == nil {
		links = []workshop.Link{}
	}
	return c.JSON(http.StatusOK, links)
}

// revokeLink withdraws a link and closes every socket opened with it.
func (s *Server) revokeLink(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	l, err := s.cfg.Workshops.Link(c.Request().Context(), c.Param("link"))
	if err != nil || l.Workshop != w.ID {
		return echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "This workshop has no such link."})
	}
	if err := s.cfg.Workshops.RevokeLink(c.Request().Context(), l.ID); err != nil {
		return err
	}
	closed := s.kick(c.Request().Context(), l.ID)
	return c.JSON(http.StatusOK, map[string]any{"revoked": l.ID, "closed": closed})
}

type lockReq struct {
	Locked bool `json:"locked"`
}

func (s *Server) lockBoard(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	id := c.Param("board")
	if !w.HasBoard(id) {
		return echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "This workshop has no such board."})
	}
	var req lockReq
	if err := jsonDecoder(c.Request().Body, 1<<10).Decode(&req); err != nil {
		return badRequest("bad_json", `The request body must be {"locked": true} or {"locked": false}.`)
	}
	locked := w.Locked[:0:0]
	for _, b := range w.Locked {
		if b != id {
			locked = append(locked, b)
		}
	}
	if req.Locked {
		locked = append(locked, id)
	}
	w.Locked = locked
	if err := s.cfg.Workshops.UpdateWorkshop(c.Request().Context(), w); err != nil {
		return err
	}
	if err := s.hub.SetLocked(c.Request().Context(), id, req.Locked); err != nil {
		return err
	}
	// The answer waits for every node: an edit sent after it is refused
	// wherever its page is.
	s.ask(c.Request().Context(), event{Kind: evLock, Board: id, Locked: req.Locked})
	return c.JSON(http.StatusOK, w)
}

type plenaryReq struct {
	Open bool `json:"open"`
}

func (s *Server) setPlenary(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	var req plenaryReq
	if err := jsonDecoder(c.Request().Body, 1<<10).Decode(&req); err != nil {
		return badRequest("bad_json", `The request body must be {"open": true} or {"open": false}.`)
	}
	was := w.PlenaryOpen
	w.PlenaryOpen = req.Open
	if err := s.cfg.Workshops.UpdateWorkshop(c.Request().Context(), w); err != nil {
		return err
	}
	if was != w.PlenaryOpen {
		// Participants watching the plenary may now edit it, or no longer.
		s.spread(c.Request().Context(), event{Kind: evRights, Board: w.Plenary})
	}
	return c.JSON(http.StatusOK, w)
}

// access is what a connection may do on one board. Boards outside any
// workshop are open to whoever has their address. A workshop's boards need
// a session of that workshop: facilitators may do everything; observers
// only watch; participants edit their own group's board (every group
// board, with a link for the whole workshop) and the plenary while it is
// open, and watch the rest.
type access struct {
	readOnly, facilitator, locked bool
	link                          string
	expires                       time.Time
	// For participants: the workshop and the link's group, to work out
	// their group once the page has said who it is (see forClient).
	w         *workshop.Workshop
	linkGroup string
	board     string
}

// participantMayEdit reports whether a participant in group g may edit board.
func participantMayEdit(w *workshop.Workshop, g, board string) bool {
	if board == w.Plenary {
		return w.PlenaryOpen
	}
	if g == "" {
		return true
	}
	grp, ok := w.Group(g)
	return ok && grp.Board == board
}

// forClient settles a participant's rights once the page's client id is
// known: a facilitator may have moved that page to another group.
func (a access) forClient(client string) access {
	if a.w != nil {
		a.readOnly = !participantMayEdit(a.w, a.w.GroupOf(a.link, client, a.linkGroup), a.board)
	}
	return a
}

func (s *Server) boardAccess(c echo.Context, boardID string) (access, error) {
	if s.cfg.Workshops == nil {
		return access{}, nil
	}
	ctx := c.Request().Context()
	w, err := s.cfg.Workshops.WorkshopOfBoard(ctx, boardID)
	if errors.Is(err, workshop.ErrNotFound) {
		return access{}, nil
	}
	if err != nil {
		return access{}, err
	}
	claims, err := s.session(c)
	if err != nil {
		return access{}, err
	}
	if claims.Workshop != w.ID {
		return access{}, forbidden("Your link is for another workshop.")
	}
	a := access{link: claims.LinkID, expires: claims.Expires, locked: w.IsLocked(boardID), board: boardID}
	switch claims.Role {
	case workshop.Facilitator:
		a.facilitator = true
	case workshop.Observer:
		a.readOnly = true
	case workshop.Participant:
		a.w, a.linkGroup = &w, claims.Group
		a.readOnly = !participantMayEdit(&w, claims.Group, boardID)
	}
	return a, nil
}

// expireAt ends the client's session when its link's time is over. It
// uses a timer rather than a goroutine, so a waiting link costs no stack;
// the returned function stops it when the connection ends first.
func expireAt(c *hub.Client, at time.Time, now time.Time) func() bool {
	if at.IsZero() {
		return nil
	}
	t := time.AfterFunc(at.Sub(now), func() { c.Kick(hub.ReasonRevoked) })
	return t.Stop
}

// notify sends a message to every page of the workshop.
func (s *Server) notify(c echo.Context, w workshop.Workshop, msg any) {
	b, _ := json.Marshal(msg)
	s.spread(c.Request().Context(), event{Kind: evNotify, Boards: w.Boards(), Msg: b})
}

type broadcastReq struct {
	Message string `json:"message"`
}

// broadcast shows a message from the facilitator on every page.
func (s *Server) broadcast(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	var req broadcastReq
	if err := jsonDecoder(c.Request().Body, 8<<10).Decode(&req); err != nil {
		return badRequest("bad_json", `The request body must be {"message": "…"}.`)
	}
	text := strings.TrimSpace(req.Message)
	if text == "" || len(text) > workshop.MaxBroadcastBytes || !utf8.ValidString(text) {
		return badRequest("bad_message", "Please write a message of up to 1,024 bytes.")
	}
	w.Message = &workshop.Broadcast{Text: text, At: s.cfg.Now().UnixMilli()}
	if err := s.cfg.Workshops.UpdateWorkshop(c.Request().Context(), w); err != nil {
		return err
	}
	s.notify(c, w, map[string]any{"t": "broadcast", "message": text, "at": w.Message.At})
	return c.JSON(http.StatusOK, w)
}

type timerReq struct {
	Seconds int `json:"seconds"`
}

// MaxTimerSeconds bounds the shared countdown: a whole day.
const MaxTimerSeconds = 24 * 60 * 60

// setTimer starts (or, with 0 seconds, stops) the countdown every page shows.
func (s *Server) setTimer(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	var req timerReq
	if err := jsonDecoder(c.Request().Body, 1<<10).Decode(&req); err != nil || req.Seconds < 0 || req.Seconds > MaxTimerSeconds {
		return badRequest("bad_timer", `The request body must be {"seconds": n} with n from 0 (stop) to 86400.`)
	}
	now := s.cfg.Now().UnixMilli()
	w.TimerEnds = 0
	if req.Seconds > 0 {
		w.TimerEnds = now + int64(req.Seconds)*1000
	}
	if err := s.cfg.Workshops.UpdateWorkshop(c.Request().Context(), w); err != nil {
		return err
	}
	// Pages count down from endsAt; now lets them allow for a clock that
	// differs from the server's.
	s.notify(c, w, map[string]any{"t": "timer", "endsAt": w.TimerEnds, "now": now})
	return c.JSON(http.StatusOK, w)
}

// gather opens the plenary and takes every page there.
func (s *Server) gather(c echo.Context) error {
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	was := w.PlenaryOpen
	w.PlenaryOpen = true
	if err := s.cfg.Workshops.UpdateWorkshop(c.Request().Context(), w); err != nil {
		return err
	}
	if !was {
		s.spread(c.Request().Context(), event{Kind: evRights, Board: w.Plenary})
	}
	s.notify(c, w, map[string]any{"t": "goto", "board": w.Plenary, "reason": "gather"})
	return c.JSON(http.StatusOK, w)
}

type moveReq struct {
	Session string `json:"session"`
	Group   string `json:"group"`
}

// move puts one participant's page in another group; the page follows.
func (s *Server) move(c echo.Context) error {
	// Find the page before taking the workshop's lock: in a cluster that
	// asks the other nodes, and the lock holds a database connection.
	if claims, err := s.session(c); err != nil {
		return err
	} else if claims.Workshop != c.Param("id") || claims.Role != workshop.Facilitator {
		return forbidden("Only the workshop's facilitators can do that.")
	}
	var req moveReq
	if err := jsonDecoder(c.Request().Body, 1<<10).Decode(&req); err != nil {
		return badRequest("bad_json", `The request body must be {"session": "…", "group": "…"}.`)
	}
	at, found := s.locate(c.Request().Context(), req.Session)
	w, unlock, err := s.facilitatorOf(c)
	if err != nil {
		return err
	}
	defer unlock()
	g, ok := w.Group(req.Group)
	if !ok {
		return badRequest("bad_group", "This workshop has no such group.")
	}
	if !found || !w.HasBoard(at.board) {
		return echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "That person is not connected to this workshop right now."})
	}
	l, err := s.cfg.Workshops.Link(c.Request().Context(), at.link)
	if err != nil {
		return err
	}
	if l.Role != workshop.Participant {
		return badRequest("not_participant", "Only participants belong to groups.")
	}
	if w.Moves == nil {
		w.Moves = map[string]string{}
	}
	w.Moves[workshop.MoveKey(at.link, at.client)] = g.ID
	if err := s.cfg.Workshops.UpdateWorkshop(c.Request().Context(), w); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"t": "goto", "board": g.Board, "reason": "moved", "group": g.ID})
	s.send(c.Request().Context(), req.Session, at, b)
	return c.JSON(http.StatusOK, w)
}
