import { useState } from 'react';
import { api } from '../../api/client.ts';
import { Link } from '../../components/router.tsx';
import { ErrorNotice } from '../../components/ui.tsx';
import { useI18n } from '../../i18n.tsx';
import type { CaseSummary } from './types.ts';

/** Adds the incident to a case the analyst picks, or to a new one, and links to it. */
export function AddIncidentToCase({ incident }: { incident: { bank: string; incidentId: string; victim?: string } }) {
  const { t } = useI18n();
  const [cases, setCases] = useState<CaseSummary[]>();
  const [chosen, setChosen] = useState('');
  const [added, setAdded] = useState<string>();
  const [failure, setFailure] = useState<Error>();
  const value = `${incident.bank}/${incident.incidentId}`;
  async function add() {
    try {
      const id =
        chosen ||
        (
          await api.createCase({
            title: [incident.bank, incident.incidentId, incident.victim].filter(Boolean).join(' '),
          })
        ).id;
      await api.addCaseItems(id, [{ type: 'incident', value }]);
      setAdded(id);
    } catch (err) {
      setFailure(err as Error);
    }
  }
  return (
    <div data-add-to-case={value}>
      {cases === undefined ? (
        <button
          type="button"
          className="btn ghost small"
          onClick={() =>
            void api.cases().then((r) => setCases(r.items.filter((c) => c.status !== 'closed')), setFailure)
          }
        >
          {t('incidents.addToCase')} →
        </button>
      ) : (
        <div className="toolbar">
          <select
            name="case"
            value={chosen}
            onChange={(e) => setChosen(e.target.value)}
            aria-label={t('incidents.addToCase')}
          >
            <option value="">{t('incidents.newCase')}</option>
            {cases.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
          <button type="button" className="btn small" onClick={() => void add()}>
            {t('incidents.addToCase')}
          </button>
        </div>
      )}
      {added && (
        <p role="status" data-added-to-case={added}>
          {t('incidents.addedToCase')}: <Link to={`/cases/${added}`}>{added}</Link>
        </p>
      )}
      <ErrorNotice error={failure} />
    </div>
  );
}
