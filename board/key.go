package board

// Fractional index keys order siblings (the order field) and the stacking of
// objects (the z field) without renumbering: to put an object between two
// others a client computes a key between theirs, so one move is one update of
// one field and concurrent moves of different objects never conflict.
//
// A key is a string over the 62 digits 0-9A-Za-z, whose ASCII order is their
// numeric order. Read after a "0." in base 62 it is a fraction in (0, 1), so
// plain string comparison orders keys exactly like the fractions. Keys never
// end in '0': that gives every fraction exactly one spelling and guarantees
// there is always room before any key.

// keyDigits are the key digits in ascending order.
const keyDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const (
	keyBase = len(keyDigits) // 62
	// keyMid is the digit value used when there is no neighbour to bisect
	// against, leaving as much room below as above.
	keyMid = keyBase / 2 // 31, 'V'
)

// digitValue returns the value of key digit c, or -1 if c is not one.
func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// ValidKey reports whether k is a valid key: 1 to MaxKeyBytes digits from
// 0-9A-Za-z, the last of which is not '0'.
func ValidKey(k string) bool {
	if len(k) == 0 || len(k) > MaxKeyBytes || k[len(k)-1] == '0' {
		return false
	}
	for i := 0; i < len(k); i++ {
		if digitValue(k[i]) < 0 {
			return false
		}
	}
	return true
}

// Less orders two objects by key, breaking ties by id. Two clients that
// insert at the same place concurrently can compute the same key; comparing
// the ids as well makes every replica show the same order anyway.
func Less(keyA, idA, keyB, idB string) bool {
	if keyA != keyB {
		return keyA < keyB
	}
	return idA < idB
}

// KeyBetween returns a key k with a < k < b. An empty a means "before
// everything" (the first key) and an empty b means "after everything".
//
// Between two keys it bisects, so repeated inserts into one gap grow keys by
// about one digit per six inserts. At either end it steps by one digit
// instead of bisecting, because appending and prepending are by far the most
// common moves and stepping grows a key by one digit only every 31 to 61
// inserts. KeyBetween("", "") is "V", the middle digit.
//
// It returns an *Error with CodeBadValue if a or b is not a valid key or
// a >= b, and CodeTooLong if the result would exceed MaxKeyBytes (the gap is
// exhausted; the caller should rebalance the keys of the list).
func KeyBetween(a, b string) (string, error) {
	if a != "" && !ValidKey(a) {
		return "", newError(CodeBadValue, "", "key %s is not valid", quote(a))
	}
	if b != "" && !ValidKey(b) {
		return "", newError(CodeBadValue, "", "key %s is not valid", quote(b))
	}
	if a != "" && b != "" && a >= b {
		return "", newError(CodeBadValue, "", "key %s is not before key %s", quote(a), quote(b))
	}
	var k string
	switch {
	case b == "":
		k = keyAfter(a)
	case a == "":
		k = keyBefore(b)
	default:
		k = keyMidpoint(a, b)
	}
	if len(k) > MaxKeyBytes {
		return "", newError(CodeTooLong, "", "no key between %s and %s fits in %d bytes", quote(a), quote(b), MaxKeyBytes)
	}
	return k, nil
}

// keyAfter returns a key greater than a ("" meaning zero).
func keyAfter(a string) string {
	if a == "" {
		return keyDigits[keyMid : keyMid+1]
	}
	if d := digitValue(a[0]); d < keyBase-1 {
		// A larger first digit is enough, whatever follows in a.
		return keyDigits[d+1 : d+2]
	}
	// a starts with the largest digit: keep it and go one level deeper.
	return keyDigits[keyBase-1:] + keyAfter(a[1:])
}

// keyBefore returns a key smaller than b and greater than zero. b must be a
// valid key.
func keyBefore(b string) string {
	d := digitValue(b[0])
	switch {
	case d >= 2:
		// One less in the first digit is smaller and still not zero.
		return keyDigits[d-1 : d]
	case d == 1 && len(b) > 1:
		// "1" is a proper prefix of b, hence smaller.
		return "1"
	case d == 1:
		// b is "1": the largest one-level-deeper key leaves the most room
		// for further prepends.
		return "0" + keyDigits[keyBase-1:]
	default:
		// b starts with '0', and being valid it continues.
		return "0" + keyBefore(b[1:])
	}
}

// keyMidpoint returns a key strictly between valid keys a < b.
func keyMidpoint(a, b string) string {
	// Skip the common prefix, reading a as padded with zeros. Because a < b
	// and b does not end in '0', the loop stops inside b.
	n := 0
	for n < len(b) {
		ca := byte('0')
		if n < len(a) {
			ca = a[n]
		}
		if ca != b[n] {
			break
		}
		n++
	}
	if n >= len(b) { // unreachable for valid a < b; kept so bad input cannot panic
		return a + keyDigits[keyMid:keyMid+1]
	}
	da := 0
	if n < len(a) {
		da = digitValue(a[n])
	}
	db := digitValue(b[n])
	if db-da >= 2 {
		// Room for a digit strictly between: it is the whole answer.
		mid := (da + db) / 2
		return b[:n] + keyDigits[mid:mid+1]
	}
	if n+1 < len(b) {
		// b continues after this digit, so cutting b here is smaller than b
		// and, its digit being larger than a's, greater than a.
		return b[:n+1]
	}
	// The digits are adjacent and b ends here: keep a's digit and find
	// anything after the rest of a.
	rest := ""
	if n+1 < len(a) {
		rest = a[n+1:]
	}
	return b[:n] + keyDigits[da:da+1] + keyAfter(rest)
}

// KeysBetween returns n increasing keys strictly between a and b (with the
// same meaning of "" as KeyBetween), for placing several new siblings at
// once, such as the cells of a template. It bisects recursively, so the keys
// spread over the gap and stay about log62(n) digits longer than a and b.
//
// n == 0 gives an empty slice. n < 0 or n > MaxObjects (more siblings than a
// board can hold) is an *Error with CodeOutOfRange; bad or unordered a, b and
// an exhausted gap fail as in KeyBetween.
func KeysBetween(a, b string, n int) ([]string, error) {
	if n < 0 || n > MaxObjects {
		return nil, newError(CodeOutOfRange, "", "cannot make %d keys: the count must be between 0 and %d", n, MaxObjects)
	}
	// Validate a and b even when n == 0, so that bad input always fails.
	if _, err := KeyBetween(a, b); err != nil {
		return nil, err
	}
	keys := make([]string, 0, n)
	return keysBetween(keys, a, b, n)
}

// keysBetween appends n keys between a and b to keys, in order.
func keysBetween(keys []string, a, b string, n int) ([]string, error) {
	if n == 0 {
		return keys, nil
	}
	mid, err := KeyBetween(a, b)
	if err != nil {
		return nil, err
	}
	left := (n - 1) / 2
	keys, err = keysBetween(keys, a, mid, left)
	if err != nil {
		return nil, err
	}
	keys = append(keys, mid)
	return keysBetween(keys, mid, b, n-1-left)
}
