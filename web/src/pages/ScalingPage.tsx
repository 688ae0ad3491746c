import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client';
import { type ScalingActivity, type ScalingGroup, type ScalingPolicy, getScalingGroup, listScalingGroups, scalingActivities, scalingPolicies } from '../api/endpoints';
import { Link } from '../app/router';
import { Graph } from '../components/Graph';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { capacitySeries } from '../lib/capacity';
import { formatTime } from '../lib/format';
import { type TimeRange, resolveRange } from '../lib/time-range';

const NO_API = 'This server has no scaling API yet (`/api/v1/scaling-groups` answered 404).';

/** Scaling groups (`/api/v1/scaling-groups`): capacities, policies and the last activity. */
export function ScalingPage() {
  const [groups, setGroups] = useState<ScalingGroup[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    listScalingGroups()
      .then(setGroups)
      .catch((err) => {
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setError(errorMessage(err));
      });
  }, []);
  return (
    <main class="page">
      <h1>Scaling</h1>
      {missing ? <p class="empty">{NO_API}</p> : null}
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {groups && groups.length === 0 ? <p class="empty">No scaling groups. Create them with `POST /api/v1/scaling-groups`.</p> : null}
      {groups && groups.length > 0 ? (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">Scaling groups</caption>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Min</th>
                <th scope="col">Desired</th>
                <th scope="col">Current</th>
                <th scope="col">Max</th>
                <th scope="col">Policies</th>
                <th scope="col">Last activity</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.name}>
                  <td>
                    <Link href={`/scaling/${encodeURIComponent(g.name)}`}>{g.name}</Link>
                  </td>
                  <td class="num">{g.state?.minCapacity ?? g.min}</td>
                  <td class="num">{g.state?.desiredCapacity ?? g.desired}</td>
                  <td class="num">{g.state?.currentCapacity ?? '–'}</td>
                  <td class="num">{g.state?.maxCapacity ?? g.max}</td>
                  <td>{g.policies.join(', ') || '–'}</td>
                  <td>{g.state?.lastActivityAt ? formatTime(Date.parse(g.state.lastActivityAt)) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}

/** A policy's settings beyond its name, group and type, as `key: value` text. */
function policySettings(p: ScalingPolicy): Array<[string, string]> {
  return Object.entries(p)
    .filter(([k]) => !['name', 'group', 'type', 'enabled'].includes(k))
    .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}

/** One scaling group: desired capacity over time (from its activity log), its policies, and the log. */
export function ScalingGroupPage(props: { name: string }) {
  const [group, setGroup] = useState<ScalingGroup | null>(null);
  const [policies, setPolicies] = useState<ScalingPolicy[]>([]);
  const [activities, setActivities] = useState<ScalingActivity[] | null>(null);
  const [error, setError] = useState('');
  const [range, setRange] = useState<TimeRange>({ from: 'now-24h', to: 'now' });
  const resolved = useMemo(() => {
    try {
      return resolveRange(range, Date.now());
    } catch {
      return undefined;
    }
  }, [range]);

  useEffect(() => {
    getScalingGroup(props.name)
      .then(setGroup)
      .catch((err) => setError(errorMessage(err)));
    scalingPolicies(props.name)
      .then(setPolicies)
      .catch(() => setPolicies([]));
  }, [props.name]);
  useEffect(() => {
    if (!resolved) return;
    scalingActivities(props.name, resolved.startMs, resolved.endMs)
      .then(setActivities)
      .catch((err) => setError(errorMessage(err)));
  }, [props.name, resolved]);

  if (error && !group) {
    return (
      <main class="page">
        <h1>Scaling group</h1>
        <p role="alert" class="error">
          {error}
        </p>
        <Link href="/scaling">All scaling groups</Link>
      </main>
    );
  }
  if (!group) return <main class="page" aria-busy="true" />;
  const scaled = (activities ?? []).filter((a) => a.status === 'scaled');
  const desiredNow = group.state?.desiredCapacity ?? group.desired;
  return (
    <main class="page">
      <div class="toolbar">
        <Link href="/scaling">Scaling</Link>
        <span aria-hidden="true">/</span>
        <h1 class="inline-heading">{group.name}</h1>
        <span class="muted">
          min {group.state?.minCapacity ?? group.min} · desired {desiredNow} · current {group.state?.currentCapacity ?? '–'} · max {group.state?.maxCapacity ?? group.max}
        </span>
        <span class="spacer" />
        <TimeRangePicker id="scaling-range" value={range} onChange={setRange} />
      </div>
      {resolved && activities ? (
        <section class="card" aria-label="Desired capacity over time">
          <Graph
            data={capacitySeries(scaled, resolved.startMs, resolved.endMs, desiredNow)}
            label={`Desired capacity of ${group.name}`}
            stepped
            height={220}
          />
        </section>
      ) : null}
      <h2>Policies</h2>
      {policies.length === 0 ? <p class="empty">No policies.</p> : null}
      <ul class="dash-list">
        {policies.map((p) => (
          <li key={p.name}>
            <strong>{p.name}</strong>
            <span class="badge">{p.type}</span>
            {p.enabled ? null : <span class="badge">disabled</span>}
            <span class="mono">{policySettings(p).map(([k, v]) => `${k}: ${v}`).join(' · ')}</span>
          </li>
        ))}
      </ul>
      <h2>Activity</h2>
      {activities && activities.length === 0 ? <p class="empty">No activity in this range.</p> : null}
      {activities && activities.length > 0 ? (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">Activity of {group.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Policy</th>
                <th scope="col">Change</th>
                <th scope="col">Cause</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {[...activities]
                .sort((a, b) => b.atMs - a.atMs)
                .map((a, i) => (
                  <tr key={`${a.atMs}:${i}`}>
                    <td>{formatTime(a.atMs)}</td>
                    <td>{a.policy || '–'}</td>
                    <td>{a.status === 'scaled' ? `${a.from} → ${a.to}` : `suppressed${a.suppressedBy ? ` (${a.suppressedBy})` : ''}`}</td>
                    <td>
                      {[
                        a.cause.alarm ? `alarm ${a.cause.alarm}${a.cause.state ? ` ${a.cause.state}` : ''}` : '',
                        a.cause.metricValue !== undefined ? `value ${a.cause.metricValue}` : '',
                        a.cause.threshold !== undefined ? `threshold ${a.cause.threshold}` : '',
                        a.cause.query ?? '',
                        a.cause.schedule ? `schedule ${a.cause.schedule}` : '',
                      ]
                        .filter(Boolean)
                        .join(' · ') || '–'}
                    </td>
                    <td>{a.reason}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}
