import React, { useEffect, useState } from 'react';
import { Alert, Button, Field, Input, LoadingPlaceholder, Switch } from '@grafana/ui';
import { testIds, type ApiPreferences } from '@carbonreducer/grafana-shared';
import type { ConsoleApi } from '../api/client';
import { useLoad } from './useLoad';

const ids = testIds.app.settings;

/** Preferences (CO2 price, comfort band, alerts, leaderboard) and the user's MFA methods with a link to Keycloak. */
export function Settings({ api, homeId, accountUrl }: { api: ConsoleApi; homeId: string; accountUrl: string }) {
  const prefs = useLoad(() => api.preferences(homeId), [api, homeId]);
  const me = useLoad(() => api.me(), [api]);
  const [draft, setDraft] = useState<ApiPreferences | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => setDraft(prefs.value), [prefs.value]);
  if (prefs.error)
    return (
      <Alert data-testid={testIds.app.error} title="Preferences could not be loaded">
        {prefs.error.message}
      </Alert>
    );
  if (!draft) return <LoadingPlaceholder text="Loading preferences" />;
  const save = async () => {
    try {
      const p = await api.putPreferences(homeId, draft);
      setSaved(`Saved: CO2 price ${p.co2PricePerKg} per kg`);
      prefs.reload();
    } catch (err) {
      setSaved(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div data-testid={ids.page}>
      <Field label="CO2 price (per kg)">
        <Input
          data-testid={ids.co2Price}
          type="number"
          step="0.01"
          value={draft.co2PricePerKg}
          onChange={(e) => setDraft({ ...draft, co2PricePerKg: Number(e.currentTarget.value) })}
        />
      </Field>
      <Field label="Comfort band (hours, local)">
        <span>
          <Input
            type="number"
            width={8}
            value={draft.comfort.earliestHour}
            onChange={(e) =>
              setDraft({ ...draft, comfort: { ...draft.comfort, earliestHour: Number(e.currentTarget.value) } })
            }
          />
          to
          <Input
            type="number"
            width={8}
            value={draft.comfort.latestHour}
            onChange={(e) =>
              setDraft({ ...draft, comfort: { ...draft.comfort, latestHour: Number(e.currentTarget.value) } })
            }
          />
        </span>
      </Field>
      <Field label={`Alerts (${draft.alerts.channel})`}>
        <Switch
          value={draft.alerts.optIn}
          onChange={(e) => setDraft({ ...draft, alerts: { ...draft.alerts, optIn: e.currentTarget.checked } })}
        />
      </Field>
      <Field label="Leaderboard">
        <Switch
          value={draft.leaderboardOptIn}
          onChange={(e) => setDraft({ ...draft, leaderboardOptIn: e.currentTarget.checked })}
        />
      </Field>
      <Button data-testid={ids.save} onClick={() => void save()}>
        Save
      </Button>
      {saved && <p data-testid={ids.saved}>{saved}</p>}
      <h3>Sign-in methods</h3>
      <p>
        {me.value
          ? `Second factor: ${me.value.mfa.methods.join(', ') || 'none'} (${me.value.mfa.satisfied ? 'used in this sign-in' : 'not used'})`
          : '…'}{' '}
        <a data-testid={ids.accountLink} href={accountUrl} target="_blank" rel="noreferrer">
          Set up TOTP or SMS in your account
        </a>
      </p>
    </div>
  );
}
