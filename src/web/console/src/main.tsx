import { render } from 'preact';
import { App } from './components/App.tsx';
import { getLang } from './i18n.ts';
import './styles.css';

document.documentElement.lang = getLang();
render(<App />, document.getElementById('app')!);
