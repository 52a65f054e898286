package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"partnerboard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Each URL is a separate, empty, writable database, and it is gone once the
// test that asked for it has ended.
func TestURL(t *testing.T) {
	var names []string
	var admin string
	t.Run("fresh", func(t *testing.T) {
		for range 2 {
			u := pgtest.URL(t)
			conn, err := pgx.Connect(t.Context(), u)
			if err != nil {
				t.Fatalf("connect %s: %v", u, err)
			}
			defer conn.Close(context.Background())
			var name string
			var tables int
			err = conn.QueryRow(t.Context(),
				`SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&name, &tables)
			if err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Fatalf("database %s has %d tables, want none", name, tables)
			}
			if _, err := conn.Exec(t.Context(), `CREATE TABLE t (x int)`); err != nil {
				t.Fatalf("create table: %v", err)
			}
			names = append(names, name)
			admin = u
		}
		if names[0] == names[1] {
			t.Fatalf("two calls gave the same database %s", names[0])
		}
	})
	if t.Failed() || len(names) < 2 {
		return
	}
	// The databases were dropped by the subtest's cleanup; the server is
	// still up, so connect to its maintenance database to look.
	conn, err := pgx.Connect(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatalf("connect: %v (last URL %s)", err, admin)
	}
	defer conn.Close(context.Background())
	var left int
	if err := conn.QueryRow(t.Context(),
		`SELECT count(*) FROM pg_database WHERE datname = ANY($1)`, names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d of the databases %v were not dropped", left, names)
	}
}
