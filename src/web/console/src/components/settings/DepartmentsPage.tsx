import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { at } from '../../admin-i18n.ts';
import { store, useStore } from '../../store.ts';
import { errorText } from '../../error-text.ts';

/** Departments: create, rename, delete when nothing refers to them (the server says what is left). */
export function DepartmentsPage() {
  const s = useStore();
  const canEdit = s.me?.role === 'admin';
  const [name, setName] = useState('');
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const [error, setError] = useState('');
  const members = (id: string) => s.users.filter((u) => u.departmentIds.includes(id)).length;

  const run = async (fn: () => Promise<unknown>) => {
    setError('');
    try {
      await fn();
      await store.loadReference();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section class="settings-section" data-testid="departments-page">
      <div class="settings-head">
        <h1>{at('departments')}</h1>
      </div>
      {canEdit ? (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => api.post('/departments', { name })).then(() => setName(''));
          }}
        >
          <input name="department-name" placeholder={at('newDepartment')} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          <button class="btn primary" type="submit" data-testid="create-department">
            + {at('create')}
          </button>
        </form>
      ) : null}
      {error ? (
        <p class="form-error" role="alert" data-testid="form-error">
          {error}
        </p>
      ) : null}
      {s.departments.length === 0 ? <p class="muted">{at('noDepartments')}</p> : null}
      <table class="inbox-table" data-testid="department-table">
        <thead>
          <tr>
            <th>{at('name')}</th>
            <th>{at('members')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {s.departments.map((d) => (
            <tr key={d.id} data-testid="department-row" data-name={d.name}>
              <td>
                {renaming?.id === d.id ? (
                  <form
                    class="inline-form"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void run(() => api.patch(`/departments/${d.id}`, { name: renaming.name })).then(() => setRenaming(null));
                    }}
                  >
                    <input name="rename" value={renaming.name} onInput={(e) => setRenaming({ id: d.id, name: e.currentTarget.value })} />
                    <button class="btn small primary" type="submit">
                      {at('save')}
                    </button>
                  </form>
                ) : (
                  <strong>{d.name}</strong>
                )}
              </td>
              <td>{members(d.id)}</td>
              <td class="row-actions">
                {canEdit ? (
                  <>
                    <button class="btn small" onClick={() => setRenaming({ id: d.id, name: d.name })}>
                      {at('rename')}
                    </button>
                    <button
                      class="btn small danger-outline"
                      data-testid="delete-department"
                      onClick={() => confirm(at('deleteDepartmentConfirm', { name: d.name })) && void run(() => api.delete(`/departments/${d.id}`))}
                    >
                      {at('delete')}
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
