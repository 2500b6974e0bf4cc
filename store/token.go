package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// tokenPrefix marks Reimburse tokens so that secret scanners can find them.
const tokenPrefix = "rbt_"

type tokenRow struct {
	bun.BaseModel `bun:"table:tokens"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Name          string `bun:"name"`
	Role          string `bun:"role"`
	CaregiverID   *int64 `bun:"caregiver_id"`
	SecretHash    string `bun:"secret_hash"`
	CreatedAt     int64  `bun:"created_at"`
	RevokedAt     *int64 `bun:"revoked_at"`
}

func (r *tokenRow) model() model.Token {
	return model.Token{ID: r.ID, Name: r.Name, Role: model.Role(r.Role), CaregiverID: r.CaregiverID, CreatedAt: fromMicros(r.CreatedAt), RevokedAt: optTime(r.RevokedAt)}
}

// hashSecret is SHA-256: tokens are 256 random bits, so a slow password hash
// adds nothing but latency to every request.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a token and returns its secret, which is shown once and
// stored only as a hash. A CAREGIVER token's caregiver must exist (EInvalid
// on "caregiver" otherwise).
func (s *Store) CreateToken(ctx context.Context, in model.NewToken) (string, *model.Token, error) {
	if err := in.Normalize(); err != nil {
		return "", nil, err
	}
	var secret string
	var tok *model.Token
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if in.CaregiverID != nil {
			missing, err := missingIDs(ctx, tx, "caregivers", []int64{*in.CaregiverID})
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				return model.Invalid("caregiver", "caregiver %d does not exist", *in.CaregiverID)
			}
		}
		var err error
		secret, tok, err = s.createToken(ctx, tx, in)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

func (s *Store) createToken(ctx context.Context, db bun.IDB, in model.NewToken) (string, *model.Token, error) {
	var buf [32]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", nil, fmt.Errorf("store: token entropy: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(buf[:])
	row := tokenRow{Name: in.Name, Role: string(in.Role), CaregiverID: in.CaregiverID, SecretHash: hashSecret(secret), CreatedAt: micros(s.Now())}
	if _, err := db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return "", nil, fmt.Errorf("store: create token: %w", err)
	}
	t := row.model()
	return secret, &t, nil
}

// EnsureAdminToken creates an ADMIN token when the database has no token at
// all (its first start) and returns the secret; otherwise it returns "".
func (s *Store) EnsureAdminToken(ctx context.Context) (string, error) {
	var secret string
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.lockSetup(ctx, tx); err != nil {
			return err
		}
		n, err := tx.NewSelect().Table("tokens").Count(ctx)
		if err != nil || n > 0 {
			return err
		}
		secret, _, err = s.createToken(ctx, tx, model.NewToken{Name: "initial admin", Role: model.RoleAdmin})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: initial admin token: %w", err)
	}
	return secret, nil
}

// Authenticate returns the principal of a live token, or EUnauthenticated.
func (s *Store) Authenticate(ctx context.Context, secret string) (*model.Principal, error) {
	unauth := model.Errorf(model.EUnauthenticated, "invalid or revoked token")
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, unauth
	}
	var row tokenRow
	err := s.lookupToken(ctx, hashSecret(secret), &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unauth
	}
	if err != nil {
		return nil, fmt.Errorf("store: authenticate: %w", err)
	}
	if row.RevokedAt != nil {
		return nil, unauth
	}
	return &model.Principal{TokenID: row.ID, Name: row.Name, Role: model.Role(row.Role), CaregiverID: row.CaregiverID}, nil
}

// FindTokens lists every token, without secrets, by id.
func (s *Store) FindTokens(ctx context.Context) ([]model.Token, error) {
	var rows []tokenRow
	if err := s.r.NewSelect().Model(&rows).OrderExpr("id ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	out := make([]model.Token, len(rows))
	for i := range rows {
		out[i] = rows[i].model()
	}
	return out, nil
}

// RevokeToken revokes a token at once; an unknown id is ENotFound.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	res, err := s.w.NewUpdate().Table("tokens").Set("revoked_at = ?", micros(s.Now())).
		Where("id = ? AND revoked_at IS NULL", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.Errorf(model.ENotFound, "no live token %d", id)
	}
	return nil
}

// FindTokensByIDs returns the tokens that exist among ids, revoked or not, in
// any order and without secrets: the audit trail names them.
func (s *Store) FindTokensByIDs(ctx context.Context, ids []int64) ([]model.Token, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []tokenRow
	if err := s.r.NewSelect().Model(&rows).ExcludeColumn("secret_hash").Where("id IN (?)", bun.In(dedupe(ids))).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: find tokens: %w", err)
	}
	out := make([]model.Token, len(rows))
	for i := range rows {
		out[i] = rows[i].model()
	}
	return out, nil
}

// tokenLookup is the query of Authenticate.
const tokenLookup = "SELECT id, name, role, caregiver_id, revoked_at FROM tokens WHERE secret_hash = ?"

// lookupToken reads the token with the hash into row. It runs on every
// request: on SQLite as a statement prepared once on the reader pool
// (database/sql prepares it again on each connection that runs it), which
// SQLite would otherwise parse every time; on PostgreSQL as an unnamed
// statement, since named ones would need pgbouncer's
// max_prepared_statements (docs/SCALING.md).
func (s *Store) lookupToken(ctx context.Context, hash string, row *tokenRow) error {
	var r *sql.Row
	if isPG(s.w) {
		r = s.r.DB.QueryRowContext(ctx, strings.Replace(tokenLookup, "?", "$1", 1), hash)
	} else {
		st, err := s.authStmt(ctx)
		if err != nil {
			return err
		}
		r = st.QueryRowContext(ctx, hash)
	}
	return r.Scan(&row.ID, &row.Name, &row.Role, &row.CaregiverID, &row.RevokedAt)
}

// authStmt returns tokenLookup prepared on the SQLite reader pool, made on
// first use; a failed prepare is tried again on the next call.
func (s *Store) authStmt(ctx context.Context) (*sql.Stmt, error) {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	if s.auth != nil {
		return s.auth, nil
	}
	st, err := s.r.DB.PrepareContext(ctx, tokenLookup)
	if err != nil {
		return nil, err
	}
	s.auth = st
	return st, nil
}
