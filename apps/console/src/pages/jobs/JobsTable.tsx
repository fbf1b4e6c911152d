import { Link } from 'react-router';
import type { Job } from '../../api/types';
import { EnabledBadge } from '../../components/StatusBadge';
import { JobActions } from './JobActions';

export function JobsTable({ jobs }: { jobs: Job[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Jobs</caption>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Name</th>
            <th scope="col">Processor</th>
            <th scope="col">Execute type</th>
            <th scope="col">Time type</th>
            <th scope="col">Time expression</th>
            <th scope="col">State</th>
            <th scope="col">Skipped / misfired slots</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id}>
              <td>{job.id}</td>
              <th scope="row">
                <Link to={`/instances?jobId=${job.id}`} title="Instances of this job">
                  {job.name}
                </Link>
                {job.description && <div className="muted small">{job.description}</div>}
              </th>
              <td>
                <code>{job.processor}</code>
              </td>
              <td>{job.executeType}</td>
              <td>{job.timeExpressionType}</td>
              <td>
                <code className="wrap">{job.timeExpression ?? '-'}</code>
                {job.timeExpression && <div className="muted small">{job.timeZone}</div>}
              </td>
              <td>
                <EnabledBadge enabled={job.enabled} />
              </td>
              <td className={job.skippedSlots + job.misfiredSlots > 0 ? 'warn-text' : undefined}>
                {job.skippedSlots} / {job.misfiredSlots}
              </td>
              <td>
                <JobActions job={job} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
