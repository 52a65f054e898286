package workshop

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Limits of links and keys.
const (
	// MaxLinkLifetime bounds how long a link may stay valid: a workshop
	// series rarely runs longer, and a leaked link should not live for ever.
	MaxLinkLifetime = 90 * 24 * time.Hour
	// MinKeyBytes is the shortest signing secret accepted (HS256 wants at
	// least the hash size).
	MinKeyBytes = 32
	issuer      = "partnerboard"
	audPrefix   = "pb:"
)

// Link is one join link of a workshop; its ID is the token's jti.
type Link struct {
	ID       string `json:"id"`
	Workshop string `json:"workshop"`
	Role     Role   `json:"role"`
	Group    string `json:"group,omitempty"` // a participant link for one group
	Label    string `json:"label,omitempty"` // what the facilitator called it
	Created  int64  `json:"created"`         // unix milliseconds
	Expires  int64  `json:"expires"`         // unix milliseconds
	Revoked  bool   `json:"revoked"`
}

// Errors of Authenticate. A server maps ErrForbidden to 403 and the others
// to 401.
var (
	// ErrBadToken: not a token of ours (malformed, wrong algorithm, bad
	// signature, unknown key, missing claims).
	ErrBadToken = errors.New("the link is not valid")
	// ErrExpired: the link's time is over.
	ErrExpired = errors.New("the link has expired")
	// ErrRevoked: the facilitator withdrew the link.
	ErrRevoked = errors.New("the link has been withdrawn")
	// ErrForbidden: a valid link that does not allow this.
	ErrForbidden = errors.New("this link does not allow that")
)

// Key is one signing secret and its id.
type Key struct {
	ID     string
	Secret []byte
}

// Signer signs and verifies link tokens. Create it with NewSigner; it is
// safe for concurrent use.
type Signer struct {
	current string
	keys    map[string][]byte
}

// NewSigner signs with current and also accepts tokens signed with older
// keys, for rotation: list the previous key as older until its links expire.
func NewSigner(current Key, older ...Key) (*Signer, error) {
	s := &Signer{current: current.ID, keys: make(map[string][]byte)}
	for _, k := range append([]Key{current}, older...) {
		if k.ID == "" || len(k.Secret) < MinKeyBytes {
			return nil, fmt.Errorf("signing key %q: needs an id and at least %d bytes of secret", k.ID, MinKeyBytes)
		}
		if _, dup := s.keys[k.ID]; dup {
			return nil, fmt.Errorf("signing key %q is listed twice", k.ID)
		}
		s.keys[k.ID] = k.Secret
	}
	return s, nil
}

type linkClaims struct {
	jwt.RegisteredClaims
	Group string `json:"grp,omitempty"`
}

// Issue signs a token for l.
func (s *Signer) Issue(l Link) (string, error) {
	c := linkClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   l.Workshop,
			Audience:  jwt.ClaimStrings{audPrefix + string(l.Role)},
			ExpiresAt: jwt.NewNumericDate(time.UnixMilli(l.Expires)),
			IssuedAt:  jwt.NewNumericDate(time.UnixMilli(l.Created)),
			ID:        l.ID,
		},
		Group: l.Group,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header["kid"] = s.current
	signed, err := t.SignedString(s.keys[s.current])
	if err != nil {
		return "", fmt.Errorf("sign link %s: %w", l.ID, err)
	}
	return signed, nil
}

// Claims is what a verified token says.
type Claims struct {
	Workshop string
	Role     Role
	Group    string
	LinkID   string
	Expires  time.Time
}

// Verify checks a token's signature, algorithm, issuer, expiry (required)
// and audience at time now. It does not know about revocation; see
// Authenticate.
func (s *Signer) Verify(token string, now time.Time) (Claims, error) {
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(issuer),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithStrictDecoding(),
	)
	var c linkClaims
	_, err := p.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := s.keys[kid]
		if !ok {
			return nil, fmt.Errorf("unknown key %q", kid)
		}
		return key, nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Claims{}, ErrExpired
	case err != nil:
		return Claims{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if len(c.Audience) != 1 || len(c.Audience[0]) <= len(audPrefix) || c.Audience[0][:len(audPrefix)] != audPrefix {
		return Claims{}, fmt.Errorf("%w: audience %v", ErrBadToken, c.Audience)
	}
	role := Role(c.Audience[0][len(audPrefix):])
	if !role.Valid() || c.Subject == "" || c.ID == "" {
		return Claims{}, fmt.Errorf("%w: missing or unknown role, workshop or id", ErrBadToken)
	}
	return Claims{Workshop: c.Subject, Role: role, Group: c.Group, LinkID: c.ID, Expires: c.ExpiresAt.Time}, nil
}

// Links is the part of a repository that revocation needs.
type Links interface {
	// Link returns the link with id, or an error wrapping ErrNotFound.
	Link(ctx context.Context, id string) (Link, error)
}

// ErrNotFound is returned by repositories for what they do not hold.
var ErrNotFound = errors.New("not found")

// Authenticate verifies token and checks that its link still exists, is
// not revoked and belongs to the workshop the token names.
func Authenticate(ctx context.Context, s *Signer, links Links, token string, now time.Time) (Claims, error) {
	c, err := s.Verify(token, now)
	if err != nil {
		return Claims{}, err
	}
	l, err := links.Link(ctx, c.LinkID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Claims{}, fmt.Errorf("%w: no link %s", ErrBadToken, c.LinkID)
	case err != nil:
		return Claims{}, fmt.Errorf("look up link %s: %w", c.LinkID, err)
	case l.Revoked:
		return Claims{}, ErrRevoked
	case l.Workshop != c.Workshop || l.Role != c.Role || l.Group != c.Group:
		return Claims{}, fmt.Errorf("%w: the token does not match its link", ErrBadToken)
	}
	return c, nil
}

// NewLink lays out a link of role for workshop w, valid from now for ttl
// (at most MaxLinkLifetime). A participant link may name a group.
func NewLink(w *Workshop, role Role, group, label string, id string, now time.Time, ttl time.Duration) (Link, error) {
	switch {
	case !role.Valid():
		return Link{}, fmt.Errorf("%w: there is no role %q", ErrInvalid, role)
	case ttl <= 0 || ttl > MaxLinkLifetime:
		return Link{}, fmt.Errorf("%w: a link lasts from a minute to %d days", ErrInvalid, int(MaxLinkLifetime.Hours()/24))
	case group != "" && role != Participant:
		return Link{}, fmt.Errorf("%w: only participant links are for one group", ErrInvalid)
	}
	if group != "" {
		if _, ok := w.Group(group); !ok {
			return Link{}, fmt.Errorf("%w: the workshop has no group %q", ErrInvalid, group)
		}
	}
	if len(label) > MaxTitleBytes {
		return Link{}, fmt.Errorf("%w: the label is longer than %d bytes", ErrInvalid, MaxTitleBytes)
	}
	return Link{ID: id, Workshop: w.ID, Role: role, Group: group, Label: label,
		Created: now.UnixMilli(), Expires: now.Add(ttl).UnixMilli()}, nil
}
