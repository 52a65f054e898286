package workshop

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"partnerboard/board"
)

var (
	t0      = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	keyA    = Key{ID: "k1", Secret: []byte(strings.Repeat("a", 32))}
	keyB    = Key{ID: "k2", Secret: []byte(strings.Repeat("b", 32))}
	testWsp = Workshop{ID: "ws1", Groups: []Group{{ID: "g1", Board: "b1"}, {ID: "g2", Board: "b2"}}, Plenary: "pl"}
)

// linkTable is an in-memory Links, standing in for a store's table.
type linkTable map[string]Link

func (m linkTable) Link(_ context.Context, id string) (Link, error) {
	l, ok := m[id]
	if !ok {
		return Link{}, ErrNotFound
	}
	return l, nil
}

func mustSigner(t *testing.T, current Key, older ...Key) *Signer {
	t.Helper()
	s, err := NewSigner(current, older...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustLink(t *testing.T, role Role, group, id string) Link {
	t.Helper()
	l, err := NewLink(&testWsp, role, group, "", id, t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// signRaw signs arbitrary claims with any HMAC method, for tokens Issue
// would never make.
func signRaw(t *testing.T, m jwt.SigningMethod, kid string, claims jwt.MapClaims, secret []byte) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokensAreRefusedUnlessExactlyRight(t *testing.T) {
	t.Parallel()
	s := mustSigner(t, keyA)
	fac := mustLink(t, Facilitator, "", "link-fac")
	part := mustLink(t, Participant, "g1", "link-part")
	revoked := mustLink(t, Observer, "", "link-revoked")
	revoked.Revoked = true
	other := fac
	other.ID, other.Workshop = "link-other", "ws2"
	links := linkTable{fac.ID: fac, part.ID: part, revoked.ID: revoked, other.ID: other}

	good, _ := s.Issue(fac)
	goodPart, _ := s.Issue(part)
	revokedTok, _ := s.Issue(revoked)
	// A token whose claims name workshop ws1 but whose jti is a link of ws2.
	mismatch := signRaw(t, jwt.SigningMethodHS256, "k1", jwt.MapClaims{"iss": issuer, "sub": "ws1", "aud": "pb:facilitator",
		"exp": t0.Add(time.Hour).Unix(), "jti": "link-other"}, keyA.Secret)
	parts := strings.Split(good, ".")
	valid := jwt.MapClaims{"iss": issuer, "sub": "ws1", "aud": "pb:facilitator", "exp": t0.Add(time.Hour).Unix(), "jti": "link-fac"}
	noExp := jwt.MapClaims{"iss": issuer, "sub": "ws1", "aud": "pb:facilitator", "jti": "link-fac"}
	badAud := jwt.MapClaims{"iss": issuer, "sub": "ws1", "aud": "pb:admin", "exp": t0.Add(time.Hour).Unix(), "jti": "link-fac"}
	twoAud := jwt.MapClaims{"iss": issuer, "sub": "ws1", "aud": []string{"pb:facilitator", "pb:observer"}, "exp": t0.Add(time.Hour).Unix(), "jti": "link-fac"}
	otherIss := jwt.MapClaims{"iss": "someone-else", "sub": "ws1", "aud": "pb:facilitator", "exp": t0.Add(time.Hour).Unix(), "jti": "link-fac"}

	cases := []struct {
		name  string
		token string
		now   time.Time
		want  error
	}{
		{"valid facilitator link", good, t0, nil},
		{"valid participant link", goodPart, t0.Add(59 * time.Minute), nil},
		{"alg none", b64(`{"alg":"none","typ":"JWT","kid":"k1"}`) + "." + parts[1] + ".", t0, ErrBadToken},
		{"alg none with the real signature", b64(`{"alg":"none","typ":"JWT","kid":"k1"}`) + "." + parts[1] + "." + parts[2], t0, ErrBadToken},
		{"another algorithm (HS512, same key)", signRaw(t, jwt.SigningMethodHS512, "k1", valid, keyA.Secret), t0, ErrBadToken},
		{"another algorithm (HS384, same key)", signRaw(t, jwt.SigningMethodHS384, "k1", valid, keyA.Secret), t0, ErrBadToken},
		{"forged signature", parts[0] + "." + parts[1] + "." + b64("not the signature at all, at all"), t0, ErrBadToken},
		{"claims changed after signing", parts[0] + "." + b64(`{"iss":"partnerboard","sub":"ws1","aud":["pb:facilitator"],"exp":9999999999,"jti":"link-fac"}`) + "." + parts[2], t0, ErrBadToken},
		{"signed with an unknown key", signRaw(t, jwt.SigningMethodHS256, "k1", valid, keyB.Secret), t0, ErrBadToken},
		{"unknown key id", signRaw(t, jwt.SigningMethodHS256, "k9", valid, keyA.Secret), t0, ErrBadToken},
		{"no exp", signRaw(t, jwt.SigningMethodHS256, "k1", noExp, keyA.Secret), t0, ErrBadToken},
		{"expired", good, t0.Add(time.Hour + time.Second), ErrExpired},
		{"unknown audience", signRaw(t, jwt.SigningMethodHS256, "k1", badAud, keyA.Secret), t0, ErrBadToken},
		{"two audiences", signRaw(t, jwt.SigningMethodHS256, "k1", twoAud, keyA.Secret), t0, ErrBadToken},
		{"another issuer", signRaw(t, jwt.SigningMethodHS256, "k1", otherIss, keyA.Secret), t0, ErrBadToken},
		{"revoked", revokedTok, t0, ErrRevoked},
		{"token of another workshop's link", mismatch, t0, ErrBadToken},
		{"empty", "", t0, ErrBadToken},
		{"garbage", "a.b.c", t0, ErrBadToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Authenticate(context.Background(), s, links, tc.token, tc.now)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.Workshop != "ws1" || c.LinkID == "" || !c.Role.Valid() {
					t.Fatalf("claims = %+v", c)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestClaimsCarryRoleAndGroup(t *testing.T) {
	t.Parallel()
	s := mustSigner(t, keyA)
	l := mustLink(t, Participant, "g2", "p2")
	tok, _ := s.Issue(l)
	c, err := s.Verify(tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Role != Participant || c.Group != "g2" || c.Workshop != "ws1" || c.LinkID != "p2" || !c.Expires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("claims = %+v", c)
	}
}

// Rotation: links signed with the previous key keep working while it is
// listed, and stop once it is dropped.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	l := mustLink(t, Observer, "", "o1")
	old := mustSigner(t, keyA)
	tok, _ := old.Issue(l)
	rotated := mustSigner(t, keyB, keyA)
	if _, err := rotated.Verify(tok, t0); err != nil {
		t.Fatalf("old link refused during rotation: %v", err)
	}
	newTok, _ := rotated.Issue(l)
	if _, err := old.Verify(newTok, t0); !errors.Is(err, ErrBadToken) {
		t.Fatalf("a node without the new key accepted its token: %v", err)
	}
	done := mustSigner(t, keyB)
	if _, err := done.Verify(tok, t0); !errors.Is(err, ErrBadToken) {
		t.Fatalf("link of a retired key accepted: %v", err)
	}
}

func TestSignerAndLinkValidation(t *testing.T) {
	t.Parallel()
	if _, err := NewSigner(Key{ID: "k", Secret: []byte("short")}); err == nil {
		t.Error("a short secret was accepted")
	}
	if _, err := NewSigner(keyA, keyA); err == nil {
		t.Error("a key listed twice was accepted")
	}
	bad := []struct {
		role  Role
		group string
		ttl   time.Duration
	}{
		{"admin", "", time.Hour},
		{Observer, "g1", time.Hour},
		{Participant, "g9", time.Hour},
		{Participant, "", 0},
		{Participant, "", MaxLinkLifetime + time.Second},
	}
	for _, b := range bad {
		if _, err := NewLink(&testWsp, b.role, b.group, "", "x", t0, b.ttl); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewLink(%s, %q, %v) = %v, want ErrInvalid", b.role, b.group, b.ttl, err)
		}
	}
	if _, err := NewLink(&testWsp, Participant, "g1", "", "x", t0, MaxLinkLifetime); err != nil {
		t.Errorf("a link of the longest lifetime was refused: %v", err)
	}
}

func TestPlanCheckAndLayout(t *testing.T) {
	t.Parallel()
	p := Plan{Title: "  Young people 16–25, Tower Hamlets ", Groups: 4,
		Partners: []board.Partner{{Name: "Housing Trust", Tier: "lead"}, {Name: "GP surgery", Tier: "core"}, {Name: "Youth club", Tier: "wider"}}}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if p.Title != "Young people 16–25, Tower Hamlets" || p.Template != board.TemplatePersona {
		t.Fatalf("defaults not filled: %+v", p)
	}
	n := 0
	w := New(p, func() string { n++; return "id" + string(rune('a'+n)) }, t0.UnixMilli())
	if len(w.Groups) != 4 || w.Plenary == "" || !w.HasBoard(w.Groups[3].Board) || !w.HasBoard(w.Plenary) || w.HasBoard("elsewhere") {
		t.Fatalf("layout = %+v", w)
	}
	for _, bad := range []Plan{
		{Groups: MaxGroups + 1},
		{Groups: -1},
		{Template: "spaceship"},
		{Title: strings.Repeat("t", MaxTitleBytes+1)},
		{Partners: []board.Partner{{Name: "A", Tier: "boss"}}},
	} {
		if err := bad.Check(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	atLimit := Plan{Groups: MaxGroups}
	if err := atLimit.Check(); err != nil {
		t.Errorf("MaxGroups refused: %v", err)
	}
}
