import { useCurrentApp } from '../../auth/session-context';
import { PageHeader } from '../../components/PageHeader';
import { InstanceListCard } from './InstanceListCard';
import { LiveWorkersCard } from './LiveWorkersCard';
import { SlotProblems } from './SlotProblems';
import { StatusChart } from './StatusChart';

export function OverviewPage() {
  const { app } = useCurrentApp();
  return (
    <>
      <PageHeader title="Overview" />
      <StatusChart app={app} />
      <div className="cards">
        <InstanceListCard app={app} status="RUNNING" title="Running now" empty="Nothing is running." />
        <InstanceListCard app={app} status="FAILED" title="Recent failures" empty="No failed instance." />
        <LiveWorkersCard app={app} />
        <SlotProblems app={app} />
      </div>
    </>
  );
}
