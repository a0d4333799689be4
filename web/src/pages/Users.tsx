import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import type { Role } from '../api/types.ts';
import { usePoll } from '../components/hooks.ts';
import { ErrorNotice, Panel, TableBox, TableState } from '../components/ui.tsx';
import { type MessageKey, useI18n } from '../i18n.tsx';

const roles: Role[] = ['admin', 'supervisor', 'analyst', 'operator_analyst', 'viewer'];
const operatorIds = ['KCELL', 'BEELINE', 'TELE2', 'ALTEL', 'KAZAKHTELECOM'];

export function UsersPage() {
  const { t, dateTime } = useI18n();
  const { data, error, refresh } = usePoll(() => api.users(), []);
  const [form, setForm] = useState({ username: '', displayName: '', role: 'analyst' as Role, operatorId: 'KCELL' });
  const [secret, setSecret] = useState<{ username: string; password: string }>();
  const [failure, setFailure] = useState<Error>();
  async function run(work: () => Promise<void>) {
    setFailure(undefined);
    try {
      await work();
      await refresh();
    } catch (err) {
      setFailure(err as Error);
    }
  }
  function create(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      const created = await api.createUser({
        username: form.username,
        displayName: form.displayName || undefined,
        role: form.role,
        ...(form.role === 'operator_analyst' ? { operatorId: form.operatorId } : {}),
      });
      setSecret({ username: created.user.username, password: created.oneTimePassword });
      setForm({ ...form, username: '', displayName: '' });
    });
  }
  return (
    <>
      <Panel title={t('users.create')}>
        <form className="toolbar" onSubmit={create} data-form="create-user">
          <label className="field">
            <span>{t('users.username')}</span>
            <input
              name="username"
              required
              value={form.username}
              onChange={(e) => setForm({ ...form, username: e.target.value })}
            />
          </label>
          <label className="field">
            <span>{t('users.displayName')}</span>
            <input
              name="displayName"
              value={form.displayName}
              onChange={(e) => setForm({ ...form, displayName: e.target.value })}
            />
          </label>
          <label className="field">
            <span>{t('users.role')}</span>
            <select name="role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          {form.role === 'operator_analyst' && (
            <label className="field">
              <span>{t('users.operator')}</span>
              <select
                name="operatorId"
                value={form.operatorId}
                onChange={(e) => setForm({ ...form, operatorId: e.target.value })}
              >
                {operatorIds.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            </label>
          )}
          <button className="btn" type="submit">
            {t('users.create')}
          </button>
        </form>
        {secret && (
          <div className="notice ok" style={{ marginTop: 12 }}>
            {secret.username}: {t('users.oneTime')}
            <div className="secret" data-one-time-password>
              {secret.password}
            </div>
          </div>
        )}
      </Panel>
      <ErrorNotice error={error ?? failure} />
      <Panel flush>
        <TableBox label={t('nav.users')}>
          <table>
            <thead>
              <tr>
                <th>{t('users.username')}</th>
                <th>{t('users.displayName')}</th>
                <th>{t('users.role')}</th>
                <th>{t('users.operator')}</th>
                <th>{t('users.lastLogin')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(data?.items ?? []).map((u) => (
                <tr key={u.id} style={u.disabled ? { opacity: 0.55 } : undefined}>
                  <td className="mono">{u.username}</td>
                  <td>{u.displayName}</td>
                  <td>
                    <span className="badge">{t(`role.${u.role}` as MessageKey)}</span>
                    {u.disabled ? <span className="badge block"> {t('users.disabled')}</span> : null}
                  </td>
                  <td>{u.operatorId ?? ''}</td>
                  <td className="muted">{u.lastLoginAt ? dateTime(u.lastLoginAt) : t('operators.never')}</td>
                  <td className="num">
                    <span className="toolbar" style={{ justifyContent: 'flex-end' }}>
                      <button
                        type="button"
                        className="btn ghost small"
                        onClick={() =>
                          void run(async () => {
                            const reset = await api.resetPassword(u.id);
                            setSecret({ username: u.username, password: reset.oneTimePassword });
                          })
                        }
                      >
                        {t('users.reset')}
                      </button>
                      <button
                        type="button"
                        className="btn danger small"
                        onClick={() =>
                          void run(async () => void (await api.updateUser(u.id, { disabled: !u.disabled })))
                        }
                      >
                        {u.disabled ? t('users.enable') : t('users.disable')}
                      </button>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
        <TableState data={data} count={data?.items.length ?? 0} empty={t('users.none')} />
      </Panel>
    </>
  );
}
