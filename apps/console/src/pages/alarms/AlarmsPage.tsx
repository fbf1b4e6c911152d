import { useMemo } from 'react';
import { useCurrentApp } from '../../auth/session-context';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { ChannelsTable } from './ChannelsTable';
import { DeliveryHistory } from './DeliveryHistory';
import { RulesTable } from './RulesTable';
import { useAlarmChannels, useAlarmRules } from './use-alarms';

/** /alarms: what the app's alarms sent (or held back), and the channels and rules they follow. Read-only. */
export function AlarmsPage() {
  const { app } = useCurrentApp();
  const channels = useAlarmChannels(app);
  const rules = useAlarmRules(app);
  const channelNames = useMemo(
    () => new Map((channels.data ?? []).map((c) => [c.id, c.name] as const)),
    [channels.data],
  );

  return (
    <>
      <PageHeader title="Alarms" />
      <p className="muted">
        Channels and rules are set through the API or the CLI (<code>jobnest alarm-channel</code>,{' '}
        <code>alarm-rule</code>); this page shows them and what was sent.
      </p>
      <DeliveryHistory app={app} channelNames={channelNames} />
      <section aria-labelledby="alarm-channels-title">
        <h2 id="alarm-channels-title">Channels</h2>
        <QueryView query={channels} what="alarm channels" isEmpty={(d) => d.length === 0} empty="No channel yet.">
          {(data) => <ChannelsTable channels={data} />}
        </QueryView>
      </section>
      <section aria-labelledby="alarm-rules-title">
        <h2 id="alarm-rules-title">Rules</h2>
        <QueryView
          query={rules}
          what="alarm rules"
          isEmpty={(d) => d.length === 0}
          empty="No rule yet: nothing raises alarms."
        >
          {(data) => <RulesTable rules={data} channelNames={channelNames} />}
        </QueryView>
      </section>
    </>
  );
}
