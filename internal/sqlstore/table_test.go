package sqlstore

import (
	"slices"
	"testing"

	"github.com/racd/racd/internal/racd"
)

// TestEveryModelHasAPlace: object grants, visibility and reference checks find a
// model's table through places; a model added to racd.Models without its table
// would panic at the first grant on it.
func TestEveryModelHasAPlace(t *testing.T) {
	for _, m := range racd.Models {
		if p := placeOf(m); p.model != m || p.name == "" || p.alias == "" || p.pk == "" {
			t.Errorf("%s: place %+v", m, p)
		}
	}
	for _, p := range places {
		if !slices.Contains(racd.Models, p.model) {
			t.Errorf("table %s: model %s is not in racd.Models", p.name, p.model)
		}
	}
}
