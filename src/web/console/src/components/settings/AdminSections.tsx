import { at, type AdminKey } from '../../admin-i18n.ts';
import { CannedPage } from './CannedPage.tsx';
import { DepartmentsPage } from './DepartmentsPage.tsx';
import { UsersPage } from './UsersPage.tsx';

/** The settings sections besides inboxes: `#/settings/users`, `#/settings/departments`, `#/settings/canned`. */
const sections = { users: UsersPage, departments: DepartmentsPage, canned: CannedPage } as const;
type Section = keyof typeof sections;
const current = (): Section | null => (/^#\/settings\/(users|departments|canned)\b/.exec(location.hash)?.[1] as Section | undefined) ?? null;

/** The page of the section in the URL, or null for the inbox pages. */
export function adminSection() {
  const name = current();
  if (!name) return null;
  const Page = sections[name];
  return <Page />;
}

export function AdminNav() {
  const active = current();
  return (
    <>
      {(Object.keys(sections) as Section[]).map((name) => (
        <li>
          <a class={`view-btn ${active === name ? 'active' : ''}`} href={`#/settings/${name}`} data-testid={`nav-${name}`}>
            {at(name as AdminKey)}
          </a>
        </li>
      ))}
    </>
  );
}
