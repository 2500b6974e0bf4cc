package graph

import (
	"github.com/reimburse/reimburse/graph/gqlmodel"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

//go:generate go run github.com/99designs/gqlgen generate

// Resolver holds the dependencies of the resolvers. It is never regenerated.
type Resolver struct {
	Store *store.Store
}

// money wraps minor units with the deployment's currency.
func (r *Resolver) money(m model.Money) *gqlmodel.Money {
	return &gqlmodel.Money{Amount: m, Currency: r.Store.Currency()}
}
