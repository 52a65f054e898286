// Package server is Partnerboard's HTTP edge: Echo routes for the pages and
// the JSON API, the WebSocket endpoint with its read and write loops, and the
// limits that keep one hostile or broken client from disturbing anyone else.
//
// Everything that arrives from the network is checked here before it reaches
// the hub: sizes, rates, message shapes and op validation (board.DecodeOps).
// Errors become protocol error messages or documented close codes in one
// place (errors.go); docs/protocol.md is the contract.
package server
