package hub

// Protocol error codes the hub sends itself. The server adds the codes of
// board validation and of its own limits; docs/protocol.md lists them all.
const (
	// CodeReadOnly: the client may only watch this board.
	CodeReadOnly = "read_only"
	// CodeBoardFull: the batch would take the board past board.MaxObjects.
	CodeBoardFull = "board_full"
	// CodeLocked: the facilitator has locked the board.
	CodeLocked = "locked"
)
