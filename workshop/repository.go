package workshop

import "context"

// Repository is what the workshop side needs from a store. Methods return
// an error wrapping ErrNotFound for what the store does not hold.
type Repository interface {
	Links
	// CreateWorkshop stores a new workshop and which boards belong to it.
	CreateWorkshop(ctx context.Context, w Workshop) error
	Workshop(ctx context.Context, id string) (Workshop, error)
	// WorkshopOfBoard returns the workshop a board belongs to.
	WorkshopOfBoard(ctx context.Context, board string) (Workshop, error)
	// UpdateWorkshop replaces a workshop's document (locks, plenary).
	UpdateWorkshop(ctx context.Context, w Workshop) error
	SaveLink(ctx context.Context, l Link) error
	// Links lists a workshop's links, newest first.
	Links(ctx context.Context, workshop string) ([]Link, error)
	// RevokeLink marks a link revoked; revoking twice is not an error.
	RevokeLink(ctx context.Context, id string) error
}
