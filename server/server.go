package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"partnerboard/board"
	"partnerboard/hub"
	"partnerboard/static"
	"partnerboard/workshop"
)

// Boards is the part of the store the server uses directly; live editing
// goes through the hub.
type Boards interface {
	CreateBoard(ctx context.Context, info hub.BoardInfo, state []byte) error
	ListBoards(ctx context.Context) ([]hub.BoardInfo, error)
}

// Config tunes a Server. Zero fields take defaults.
type Config struct {
	// AllowedOrigins are extra host patterns (as in
	// websocket.AcceptOptions.OriginPatterns) whose pages may open
	// WebSockets; the server's own host is always allowed.
	AllowedOrigins []string
	// MessagesPerSecond and Burst limit one connection; ConnsPerIP and
	// MessagesPerSecondPerIP one remote address.
	MessagesPerSecond      float64
	Burst                  float64
	ConnsPerIP             int
	MessagesPerSecondPerIP float64
	Logger                 *slog.Logger
	// Workshops and Signer enable workshops, join links and sessions;
	// without them only open boards exist.
	Workshops workshop.Repository
	Signer    *workshop.Signer
	// Snapshots enables saved snapshots of boards; Votes dot voting.
	Snapshots workshop.Snapshots
	Votes     workshop.Votes
	// Ready, if set, says whether the stores this node needs answer; it
	// backs /readyz.
	Ready func(ctx context.Context) error
	// Events, in a cluster, carries workshop news (locks, broadcasts,
	// withdrawn links, moves) to the other nodes; LockWorkshop serialises
	// changes to one workshop's document across them. Both are nil on
	// one node.
	Events       Events
	LockWorkshop func(ctx context.Context, id string) (unlock func(), err error)
	// PingInterval, PongTimeout and WriteTimeout default to the constants
	// of the same names; tests shorten them to see a silent or stuck peer
	// dropped.
	PingInterval time.Duration
	PongTimeout  time.Duration
	WriteTimeout time.Duration
	// Now is the clock, for rate limits; tests may replace it.
	Now func() time.Time
}

func (c *Config) fill() {
	if c.MessagesPerSecond <= 0 {
		c.MessagesPerSecond = DefaultMessagesPerSecond
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.ConnsPerIP <= 0 {
		c.ConnsPerIP = DefaultConnsPerIP
	}
	if c.MessagesPerSecondPerIP <= 0 {
		c.MessagesPerSecondPerIP = DefaultMessagesPerSecondPerIP
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.PingInterval <= 0 {
		c.PingInterval = PingInterval
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = PongTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = WriteTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Server serves pages, the API and WebSockets. Create it with New.
type Server struct {
	cfg    Config
	hub    *hub.Hub
	boards Boards
	echo   *echo.Echo
	addrs  *addrLimits

	// base is cancelled at shutdown, after the hub has ended every joined
	// session, to release connections that never joined.
	base       context.Context
	cancelBase context.CancelFunc
	sockets    sync.WaitGroup
	live       sessions
	wsLocks    [64]sync.Mutex // see workshopLock
	cl         cluster
	closing    chan struct{}
	closeOnce  sync.Once
}

// New builds a server around a hub and the store's board catalogue.
func New(h *hub.Hub, boards Boards, cfg Config) *Server {
	cfg.fill()
	s := &Server{
		cfg:     cfg,
		hub:     h,
		boards:  boards,
		echo:    echo.New(),
		addrs:   newAddrLimits(cfg.ConnsPerIP, cfg.MessagesPerSecondPerIP),
		closing: make(chan struct{}),
	}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.cl.node = newNodeID()
	if cfg.Events != nil && cfg.Workshops != nil {
		cfg.Events.Subscribe(s.base, s.receive, s.resync)
	}
	s.routes()
	return s
}

// Handler is the root HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

func (s *Server) routes() {
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.httpError
	e.Use(s.logRequests, securityHeaders)

	pages, err := fs.Sub(static.Files, ".")
	if err != nil {
		panic(err)
	}
	index := func(c echo.Context) error {
		b, err := fs.ReadFile(pages, "index.html")
		if err != nil {
			return err
		}
		return c.HTMLBlob(http.StatusOK, b)
	}
	e.GET("/", index)
	e.GET("/b/:id", index)
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(pages)))))
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics)

	api := e.Group("/api")
	api.POST("/boards", s.createBoard)
	api.GET("/boards", s.listBoards)
	api.GET("/boards/:id", s.getBoard)
	api.GET("/templates/persona/ops", s.personaOps)
	s.workshopRoutes(api)
	s.exportRoutes(api)
	s.snapshotRoutes(api)
	s.voteRoutes(api)
	e.GET("/w/:id", index)
	e.GET("/ws/boards/:id", s.serveWS)
}

// Content-Security-Policy: only our own scripts, styles and sockets; no
// inline script, no framing. Pages set user text with textContent only.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// logRequests logs each request by path only: query strings are left out
// so that nothing secret a client put there reaches the log.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.cfg.Logger.Info("request", "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", c.Response().Status, "ms", time.Since(start).Milliseconds())
		return nil
	}
}

// apiError is the JSON body of every API error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, body := http.StatusInternalServerError, apiError{Code: "internal", Message: "Something went wrong on the server. Please try again."}
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		code = he.Code
		body = apiError{Code: strings.ReplaceAll(strings.ToLower(http.StatusText(code)), " ", "_"), Message: http.StatusText(code)}
		if m, ok := he.Message.(apiError); ok {
			body = m
		}
	case errors.Is(err, hub.ErrNotFound), errors.Is(err, workshop.ErrNotFound):
		code, body = http.StatusNotFound, apiError{Code: "not_found", Message: "There is no board at this address."}
	default:
		s.cfg.Logger.Error("request failed", "path", c.Request().URL.Path, "err", err)
	}
	_ = c.JSON(code, body)
}

func badRequest(code, msg string) error {
	return echo.NewHTTPError(http.StatusBadRequest, apiError{Code: code, Message: msg})
}

// savableText reports whether s can be kept in every store: PostgreSQL's
// text columns refuse a NUL character, which SQLite would take, so both
// refuse it here and the two modes answer alike.
func savableText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

type createBoardReq struct {
	Title    string          `json:"title"`
	Template string          `json:"template"`
	Partners []board.Partner `json:"partners"`
}

func (s *Server) createBoard(c echo.Context) error {
	var req createBoardReq
	dec := jsonDecoder(c.Request().Body, 64<<10)
	if err := dec.Decode(&req); err != nil {
		return badRequest("bad_json", "The request body must be a JSON object with a title and a template.")
	}
	req.Title = strings.TrimSpace(req.Title)
	if req.Title == "" {
		req.Title = "Untitled board"
	}
	if len(req.Title) > board.MaxLabelBytes {
		return badRequest("bad_title", "Please use a shorter title (up to 256 bytes).")
	}
	if !savableText(req.Title) {
		return badRequest("bad_title", "The title has a character that cannot be saved (broken UTF-8 or a null character). Please type it again.")
	}
	if req.Template == "" {
		req.Template = string(board.TemplateBlank)
	}
	if !slices.Contains(board.Templates(), board.Template(req.Template)) {
		return badRequest("unknown_template", "There is no template called "+quote(req.Template)+".")
	}
	start, err := board.TemplateState(board.Template(req.Template), req.Partners)
	if err != nil {
		var be *board.Error
		if errors.As(err, &be) {
			return badRequest("bad_partner", "Please check the partners: "+be.Msg+".")
		}
		return err
	}
	info := hub.BoardInfo{ID: randomID(9), Title: req.Title, Template: req.Template, Epoch: randomID(6), Created: s.cfg.Now().UnixMilli()}
	state, err := start.MarshalJSON()
	if err != nil {
		return err
	}
	if err := s.boards.CreateBoard(c.Request().Context(), info, state); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, info)
}

func (s *Server) listBoards(c echo.Context) error {
	list, err := s.boards.ListBoards(c.Request().Context())
	if err != nil {
		return err
	}
	// Boards of workshops are for their members only: list the open ones.
	open := []hub.BoardInfo{}
	for _, b := range list {
		if s.cfg.Workshops != nil {
			_, err := s.cfg.Workshops.WorkshopOfBoard(c.Request().Context(), b.ID)
			if err == nil {
				continue
			}
			if !errors.Is(err, workshop.ErrNotFound) {
				return err
			}
		}
		open = append(open, b)
	}
	list = open
	return c.JSON(http.StatusOK, list)
}

// personaOps returns the ops of one more persona grid, for a page that adds
// a persona beside the others: ?prefix=p2&x=1280&y=0.
func (s *Server) personaOps(c echo.Context) error {
	x, errX := strconv.ParseFloat(c.QueryParam("x"), 64)
	y, errY := strconv.ParseFloat(c.QueryParam("y"), 64)
	if errX != nil || errY != nil || math.Abs(x) > board.MaxCoord/2 || math.Abs(y) > board.MaxCoord/2 {
		return badRequest("bad_position", "x and y must be numbers on the board.")
	}
	ops, err := board.PersonaOps(c.QueryParam("prefix"), x, y)
	if err != nil {
		return badRequest("bad_prefix", "prefix must be a short id of letters, digits, - or _.")
	}
	return c.JSON(http.StatusOK, ops)
}

// getBoard returns a board's current state, including edits not yet
// compacted into the store.
func (s *Server) getBoard(c echo.Context) error {
	id := c.Param("id")
	if !validID(id) {
		return echo.NewHTTPError(http.StatusNotFound, apiError{Code: "not_found", Message: "There is no board at this address."})
	}
	if _, err := s.boardAccess(c, id); err != nil {
		return err
	}
	snap, err := s.hub.Snapshot(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, snap)
}

// Shutdown ends every live session with close 1001 once its acknowledged
// edits are durable, then waits for the sockets to close or ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	err := s.hub.Close(ctx)
	s.cancelBase()
	done := make(chan struct{})
	go func() {
		s.sockets.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return errors.Join(err, ctx.Err())
	}
	return err
}

// randomID returns n random characters that are valid in object and board
// ids and in URLs.
func randomID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails, says crypto/rand
	for i := range b {
		b[i] = alphabet[b[i]&63]
	}
	return string(b)
}

// validID reports whether s is a well-formed board, client or batch id.
func validID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// jsonDecoder reads at most limit bytes of one strict JSON value.
func jsonDecoder(r io.Reader, limit int64) *json.Decoder {
	d := json.NewDecoder(io.LimitReader(r, limit))
	d.DisallowUnknownFields()
	return d
}

func quote(s string) string { return strconv.Quote(s) }
