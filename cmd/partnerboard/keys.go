package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"partnerboard/workshop"
)

// signingKeys returns the keys that sign join links. Given as
// "id:base64secret,id:base64secret" (the first signs, the others are still
// accepted: that is how a key is rotated, and how several nodes share
// keys). Without them, a cluster keeps one random key in PostgreSQL
// (shared, given here as a function), and a single node keeps one in its
// data directory, created on first start.
func signingKeys(ctx context.Context, spec, dataDir string, shared func(context.Context) ([]byte, error)) (*workshop.Signer, error) {
	if spec != "" {
		var keys []workshop.Key
		for _, part := range strings.Split(spec, ",") {
			id, secret, ok := strings.Cut(strings.TrimSpace(part), ":")
			if !ok {
				return nil, errors.New("-signing-keys: each key is id:base64secret")
			}
			raw, err := base64.StdEncoding.DecodeString(secret)
			if err != nil {
				if raw, err = base64.RawURLEncoding.DecodeString(secret); err != nil {
					return nil, fmt.Errorf("-signing-keys: key %q is not base64", id)
				}
			}
			keys = append(keys, workshop.Key{ID: id, Secret: raw})
		}
		return workshop.NewSigner(keys[0], keys[1:]...)
	}
	if shared != nil {
		secret, err := shared(ctx)
		if err != nil {
			return nil, fmt.Errorf("the cluster's signing key: %w", err)
		}
		sum := sha256.Sum256(secret)
		return workshop.NewSigner(workshop.Key{ID: "cluster-" + hex.EncodeToString(sum[:4]), Secret: secret})
	}
	path := filepath.Join(dataDir, "signing.key")
	secret, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
		if err := os.WriteFile(path, secret, 0o600); err != nil {
			return nil, fmt.Errorf("save signing key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	sum := sha256.Sum256(secret)
	return workshop.NewSigner(workshop.Key{ID: "local-" + hex.EncodeToString(sum[:4]), Secret: secret})
}
