import type { Alert } from '../api/types.ts';
import { usePoll } from '../components/hooks.ts';
import { KzMap, locationOf, type MapPoint } from '../components/KzMap.tsx';
import { ErrorNotice, Loading, Panel, TableBox } from '../components/ui.tsx';
import { useI18n } from '../i18n.tsx';
import { kindName, loadAlerts } from './Alerts.tsx';

export function MapPage() {
  const { t, score } = useI18n();
  const { data, error } = usePoll(() => loadAlerts({}), [], 30_000);
  const located: (MapPoint & { alert: Alert })[] = [];
  for (const a of data?.items ?? []) {
    const at = locationOf(a.evidence ?? {});
    if (at)
      located.push({
        id: a.id,
        ...at,
        kind: a.kind,
        score: a.score,
        label: `${kindName(t, a.kind)} ${a.msisdn}`,
        alert: a,
      });
  }
  return (
    <>
      <ErrorNotice error={error} />
      {data === null && <div className="notice">{t('alerts.unavailable')}</div>}
      <div className="grid cols-2-1">
        <Panel title={t('map.title')} actions={<span className="muted">{t('map.hint')}</span>}>
          <KzMap points={located} />
        </Panel>
        <Panel title={t('nav.alerts')} flush>
          {data === undefined ? (
            <Loading />
          ) : located.length === 0 ? (
            <div className="empty">{t('map.empty')}</div>
          ) : (
            <TableBox label={t('nav.alerts')}>
              <table>
                <tbody>
                  {located.map((p) => (
                    <tr key={p.id}>
                      <td>{kindName(t, p.kind)}</td>
                      <td className="mono">{p.alert.msisdn}</td>
                      <td className="num mono">{score(p.score)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableBox>
          )}
        </Panel>
      </div>
    </>
  );
}
