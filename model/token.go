package model

import (
	"fmt"
	"time"
)

// Role is what a token may do.
type Role string

// The roles. ADMIN may do everything; ACCOUNTANT reads everything, registers,
// reimburses and voids, but changes no caregivers, event types or prices;
// CAREGIVER is bound to one caregiver and sees and changes only its rows.
// A token's role never changes, so a token id in the audit trail also fixes
// the role it acted with.
const (
	RoleAdmin      Role = "ADMIN"
	RoleAccountant Role = "ACCOUNTANT"
	RoleCaregiver  Role = "CAREGIVER"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleAccountant || r == RoleCaregiver }

// Token is an API token. Its secret is never stored, only a hash of it.
type Token struct {
	ID          int64
	Name        string
	Role        Role
	CaregiverID *int64
	CreatedAt   time.Time
	RevokedAt   *time.Time
}

// NewToken is the input of CreateToken.
type NewToken struct {
	Name        string
	Role        Role
	CaregiverID *int64
}

// Normalize checks the input: a CAREGIVER token is bound to exactly one
// caregiver and no other token is bound to any. Whether the caregiver exists
// is the store's to check. An empty name becomes the role ("CAREGIVER 7"
// for a caregiver's token).
func (n *NewToken) Normalize() error {
	if !n.Role.Valid() {
		return Invalid("role", "must be ADMIN, ACCOUNTANT or CAREGIVER")
	}
	switch {
	case n.Role == RoleCaregiver && n.CaregiverID == nil:
		return Invalid("caregiver", "a CAREGIVER token must be bound to a caregiver")
	case n.Role != RoleCaregiver && n.CaregiverID != nil:
		return Invalid("caregiver", "only CAREGIVER tokens are bound to a caregiver, not %s tokens", n.Role)
	case n.CaregiverID != nil && *n.CaregiverID <= 0:
		return Invalid("caregiver", "must be a caregiver id (a positive integer)")
	}
	if n.Name == "" {
		n.Name = string(n.Role)
		if n.CaregiverID != nil {
			n.Name = fmt.Sprintf("%s %d", n.Role, *n.CaregiverID)
		}
	}
	return normalizeTextErr("name", &n.Name, MaxNameLen)
}

func normalizeTextErr(field string, s *string, max int) error {
	if err := normalizeText(field, s, max); err != nil {
		return err
	}
	return nil
}

// Principal is who makes a request: the token that authenticated it.
type Principal struct {
	TokenID     int64
	Name        string
	Role        Role
	CaregiverID *int64 // set for CAREGIVER tokens only
}

// Own returns the caregiver a CAREGIVER principal is bound to. ok is false
// for every other role, whose access is not scoped to a caregiver. A
// CAREGIVER principal without a caregiver (which CreateToken never makes)
// gets id 0, which matches no row, so it sees and changes nothing.
func (p Principal) Own() (id int64, ok bool) {
	if p.Role != RoleCaregiver {
		return 0, false
	}
	if p.CaregiverID == nil {
		return 0, true
	}
	return *p.CaregiverID, true
}
