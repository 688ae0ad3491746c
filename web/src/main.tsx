import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app/App';
import { applyTheme } from './app/theme';

applyTheme();
render(<App />, document.getElementById('app')!);
