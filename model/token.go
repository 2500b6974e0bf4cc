package model

import "time"

// Role is what a token may do.
type Role string

// The roles. Until scoped roles land, only ADMIN tokens can be created.
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

// Normalize checks the input.
func (n *NewToken) Normalize() error {
	if !n.Role.Valid() {
		return Invalid("role", "must be ADMIN, ACCOUNTANT or CAREGIVER")
	}
	if n.Role != RoleAdmin {
		return Invalid("role", "only ADMIN tokens are supported in this version")
	}
	if n.CaregiverID != nil && n.Role != RoleCaregiver {
		return Invalid("caregiver", "only CAREGIVER tokens are bound to a caregiver")
	}
	if n.Name == "" {
		n.Name = string(n.Role)
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
	CaregiverID *int64
}
