package e2e

import (
	"fmt"
	"testing"

	api "goauthentik.io/api/v3"
)

// TestEventsThroughClient creates, updates and deletes a provider and reads the audit
// trail back with EventsApi, filtered as authentik's clients filter it.
func TestEventsThroughClient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		client := r.Client(t, Token)
		fl, _, err := client.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(*api.NewFlowRequest("Authz", "authz", "Authz", api.FLOWDESIGNATIONENUM_AUTHORIZATION)).Execute()
		if err != nil {
			t.Fatalf("flow: %v", err)
		}
		p, _, err := client.ProvidersApi.ProvidersRacCreate(ctx(t)).RACProviderRequest(*api.NewRACProviderRequest("audited", fl.Pk)).Execute()
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		on := true
		if _, _, err := client.ProvidersApi.ProvidersRacPartialUpdate(ctx(t), p.Pk).PatchedRACProviderRequest(api.PatchedRACProviderRequest{DeleteTokenOnDisconnect: &on}).Execute(); err != nil {
			t.Fatalf("patch: %v", err)
		}
		if _, err := client.ProvidersApi.ProvidersRacDestroy(ctx(t), p.Pk).Execute(); err != nil {
			t.Fatalf("delete: %v", err)
		}

		l, _, err := client.EventsApi.EventsEventsList(ctx(t)).
			ContextModelApp("authentik_providers_rac").ContextModelName("racprovider").ContextModelPk(fmt.Sprint(p.Pk)).
			Username("akadmin").Execute()
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		var got []string
		for _, ev := range l.Results {
			got = append(got, string(ev.Action))
		}
		if !equal(got, []string{"model_deleted", "model_updated", "model_created"}) || l.Pagination.Count != 3 {
			t.Fatalf("actions %v (count %v)", got, l.Pagination.Count)
		}
		upd := l.Results[1]
		ctxMap, _ := upd.Context.(map[string]interface{})
		diff, _ := ctxMap["diff"].(map[string]interface{})
		change, _ := diff["delete_token_on_disconnect"].(map[string]interface{})
		if change["previous_value"] != false || change["new_value"] != true || len(diff) != 1 {
			t.Errorf("diff = %v", diff)
		}
		if upd.Created.IsZero() || upd.Expires == nil || !upd.Expires.After(upd.Created) {
			t.Errorf("created %v expires %v", upd.Created, upd.Expires)
		}
		if ip := upd.ClientIp.Get(); ip == nil || *ip != "127.0.0.1" {
			t.Errorf("client_ip %v", ip)
		}

		only, _, err := client.EventsApi.EventsEventsList(ctx(t)).Action("model_created").ContextModelName("racprovider").Ordering("created").Execute()
		if err != nil || len(only.Results) != 1 || only.Results[0].Action != api.EVENTACTIONS_MODEL_CREATED {
			t.Fatalf("action filter: %v %+v", err, only)
		}
		all, _, err := client.EventsApi.EventsEventsList(ctx(t)).Search("flow").ClientIp("127.0.0.1").PageSize(1).Execute()
		if err != nil || len(all.Results) != 1 || all.Pagination.Count != 1 {
			t.Fatalf("search: %v %+v", err, all)
		}

		one, _, err := client.EventsApi.EventsEventsRetrieve(ctx(t), upd.Pk).Execute()
		if err != nil || one.Pk != upd.Pk || one.Action != api.EVENTACTIONS_MODEL_UPDATED {
			t.Fatalf("retrieve: %v %+v", err, one)
		}
		if _, res, err := client.EventsApi.EventsEventsRetrieve(ctx(t), "00000000-0000-0000-0000-000000000000").Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("retrieve unknown: %v", err)
		}
		if _, res, err := r.Client(t, "").EventsApi.EventsEventsList(ctx(t)).Execute(); err == nil || res.StatusCode != 403 {
			t.Fatalf("anonymous list: %v", err)
		}
	})
}
