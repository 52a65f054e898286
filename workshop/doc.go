// Package workshop is the non-real-time side of Partnerboard: a workshop
// with its partner organisations, breakout groups and plenary board, and the
// join links that let people in without accounts.
//
// A link is a signed JWT: HMAC-SHA256 only (the algorithm is pinned, so a
// token that names another algorithm, or none, is refused), an expiry is
// required, the audience names the role (facilitator, participant or
// observer), the subject is the workshop, and the jti identifies the link
// so that it can be revoked. Keys have ids (kid) so that several nodes can
// share them and a key can be rotated: new links are signed with the
// current key, older links stay valid while their key is still listed.
//
// The package does no I/O of its own. It declares the Repository it needs
// and takes time as an argument, so it can be tested on its own.
package workshop
