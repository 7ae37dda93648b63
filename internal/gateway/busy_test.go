package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/racd/racd/internal/apitest"
	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/racd"
)

// TestBusyRefused pins that a connection whose settings cannot be computed because
// every property-mapping evaluation slot stays taken is not made without its mappings
// (which could loosen what they set): the page is told the server is busy (513, which
// it retries), the token is kept, and once a slot frees up the connection is made.
func TestBusyRefused(t *testing.T) {
	apitest.ForEachBackend(t, func(t *testing.T, backend string) {
		evals := expr.NewEvaluator(1, expr.Limits{Timeout: 300 * time.Millisecond})
		h := newHarness(t, backend, options{gateway: func(c *gatewayConfig) {
			c.Settings = func(ctx context.Context, gt *racd.GatewayToken, secret string, a racd.Audit) (map[string]string, error) {
				return evals.LaunchSettings(ctx, nil, &gt.Launch, secret, nil)
			}
		}})
		mapping := h.api.MustAdmin(201, "POST", "/api/v3/propertymappings/rac/", map[string]any{
			"name": "restrict", "static_settings": map[string]any{}, "expression": "return {'disable-copy': True}"})["pk"].(string)
		secret, uuid := h.launch(h.endpoint(h.provider(nil), map[string]any{"property_mappings": []string{mapping}}))

		slot, err := evals.Reserve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b := h.browser()
		b.open(secret)
		tn := b.mustDial(secret, "")
		in, err := tn.errorOf(5 * time.Second)
		if err != nil || len(in.Args) != 2 || in.Args[1] != "513" {
			t.Fatalf("error %q, %v; want the server busy (513)", in, err)
		}
		if !h.tokenExists(uuid) {
			t.Fatal("the token was deleted")
		}
		slot.Release()
		time.Sleep(50 * time.Millisecond) // Release frees the slot in the background
		_, conn := h.connect(b, secret, "")
		if v := conn.Handshake().Values["disable-copy"]; v != "true" {
			t.Fatalf("disable-copy = %q once a slot was free, want the mapping's true", v)
		}
	})
}
