package e2e

import (
	"strings"
	"testing"

	api "goauthentik.io/api/v3"
)

// TestOutpostTokenOfficialClient: with authentik's Go client against a real racd, an
// outpost's token (read through view_key by the superuser) authenticates as the
// outpost's service account and reads its outpost; after the outpost is deleted the
// token no longer exists and its key is refused.
func TestOutpostTokenOfficialClient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		admin := r.Client(t, Token)
		flow := racFlow(t, admin)
		p := racProvider(t, admin, flow, "served", "hours=1")
		o, _, err := admin.OutpostsApi.OutpostsInstancesCreate(ctx(t)).
			OutpostRequest(*api.NewOutpostRequest("edge", api.OUTPOSTTYPEENUM_RAC, []int32{p}, map[string]interface{}{})).Execute()
		if err != nil {
			t.Fatalf("create outpost: %v", err)
		}
		view, _, err := admin.CoreApi.CoreTokensViewKeyRetrieve(ctx(t), o.TokenIdentifier).Execute()
		if err != nil || len(view.Key) != 60 {
			t.Fatalf("view_key of %s: %v", o.TokenIdentifier, err)
		}
		outpost := r.Client(t, view.Key)
		me, _, err := outpost.CoreApi.CoreUsersMeRetrieve(ctx(t)).Execute()
		if err != nil || me.User.Username != "ak-outpost-"+strings.ReplaceAll(o.Pk, "-", "") || me.User.IsSuperuser {
			t.Fatalf("me with the outpost's token: %v %+v", err, me)
		}
		got, _, err := outpost.OutpostsApi.OutpostsInstancesRetrieve(ctx(t), o.Pk).Execute()
		if err != nil || got.Name != "edge" || len(got.Providers) != 1 {
			t.Fatalf("the outpost with its own token: %v %+v", err, got)
		}
		if _, err := admin.OutpostsApi.OutpostsInstancesDestroy(ctx(t), o.Pk).Execute(); err != nil {
			t.Fatalf("delete outpost: %v", err)
		}
		if _, res, err := admin.CoreApi.CoreTokensRetrieve(ctx(t), o.TokenIdentifier).Execute(); err == nil || res.StatusCode != 404 {
			t.Fatalf("the outpost's token after the delete: %v %v", err, res)
		}
		if _, res, err := outpost.CoreApi.CoreUsersMeRetrieve(ctx(t)).Execute(); err == nil || res.StatusCode != 403 {
			t.Fatalf("the deleted outpost's key: %v %v", err, res)
		}
	})
}
