/**
 * The files a visitor has picked (attach button, drag and drop, paste) and not sent yet, shown as chips
 * above the composer. Files over the limits the session told us are refused at once, with a message in
 * the visitor's language; the server enforces the same limits (413/400) and `uploadErrorText` words those.
 */

type Lang = 'en' | 'pt' | 'es';
const T = {
  en: {
    attach: 'Attach a file',
    remove: 'Remove',
    drop: 'Drop files here to attach them',
    tooLarge: '“{name}” is too large — files may be up to {max}',
    tooLargeTotal: 'These files are too large together — up to {max} per message',
    tooMany: 'Too many files — up to {n} per message',
    empty: '“{name}” is empty',
    rejected: 'This file could not be sent',
    serverTooLarge: 'Too large to send — files may be up to {max}',
  },
  pt: {
    attach: 'Anexar um arquivo',
    remove: 'Remover',
    drop: 'Solte os arquivos aqui para anexá-los',
    tooLarge: '“{name}” é grande demais — arquivos de até {max}',
    tooLargeTotal: 'Estes arquivos juntos são grandes demais — até {max} por mensagem',
    tooMany: 'Arquivos demais — até {n} por mensagem',
    empty: '“{name}” está vazio',
    rejected: 'Não foi possível enviar este arquivo',
    serverTooLarge: 'Grande demais para enviar — arquivos de até {max}',
  },
  es: {
    attach: 'Adjuntar un archivo',
    remove: 'Quitar',
    drop: 'Suelta los archivos aquí para adjuntarlos',
    tooLarge: '“{name}” es demasiado grande — archivos de hasta {max}',
    tooLargeTotal: 'Estos archivos juntos son demasiado grandes — hasta {max} por mensaje',
    tooMany: 'Demasiados archivos — hasta {n} por mensaje',
    empty: '“{name}” está vacío',
    rejected: 'No se pudo enviar este archivo',
    serverTooLarge: 'Demasiado grande para enviar — archivos de hasta {max}',
  },
} satisfies Record<Lang, Record<string, string>>;

export const pickerTexts = (lang: Lang) => T[lang];

export interface UploadLimits {
  maxFileBytes: number;
  maxMessageBytes: number;
  maxFiles: number;
}

export function formatSize(bytes: number, lang: Lang): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u += 1;
  }
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: u === 0 || n >= 10 ? 0 : 1 }).format(n)} ${units[u]}`;
}

/** The server's refusal of an upload: 413 names the limits it holds (`details`), which the page adopts. */
export interface UploadRefusal {
  status: number;
  details?: { maxAttachmentBytes?: number; maxMessageAttachmentsBytes?: number };
}

/** The message shown for a refused upload (413 too large, 400 anything else the server would not take). */
export function uploadErrorText(lang: Lang, refusal: UploadRefusal, limits: UploadLimits | undefined): string {
  const t = T[lang];
  if (refusal.status !== 413) return t.rejected;
  const max = refusal.details?.maxAttachmentBytes ?? limits?.maxFileBytes;
  return max ? t.serverTooLarge.replace('{max}', formatSize(max, lang)) : t.rejected;
}

export class StagedFiles {
  files: File[] = [];
  limits: UploadLimits | undefined;

  constructor(
    private readonly host: HTMLElement,
    private readonly errorLine: HTMLElement,
    private readonly lang: Lang,
    private readonly onChange: () => void,
  ) {}

  /** Adds the files that fit; the first that does not is named in the error line. */
  add(list: Iterable<File>): void {
    const t = T[this.lang];
    let problem = '';
    for (const f of list) {
      const l = this.limits;
      const total = this.files.reduce((n, x) => n + x.size, 0) + f.size;
      if (f.size === 0) problem ||= t.empty.replace('{name}', f.name);
      else if (l && f.size > l.maxFileBytes) problem ||= t.tooLarge.replace('{name}', f.name).replace('{max}', formatSize(l.maxFileBytes, this.lang));
      else if (l && this.files.length >= l.maxFiles) problem ||= t.tooMany.replace('{n}', String(l.maxFiles));
      else if (l && total > l.maxMessageBytes) problem ||= t.tooLargeTotal.replace('{max}', formatSize(l.maxMessageBytes, this.lang));
      else this.files.push(f);
    }
    this.showError(problem);
    this.render();
  }

  /** Hands the files over for sending and empties the tray. */
  take(): File[] {
    const taken = this.files;
    this.files = [];
    this.render();
    return taken;
  }

  showError(text: string): void {
    this.errorLine.textContent = text;
    this.errorLine.hidden = !text;
  }

  private render(): void {
    const t = T[this.lang];
    this.host.replaceChildren();
    this.host.hidden = this.files.length === 0;
    this.files.forEach((f, i) => {
      const chip = document.createElement('span');
      chip.className = 'file-chip';
      chip.dataset.testid = 'staged-file';
      chip.textContent = `📎 ${f.name} · ${formatSize(f.size, this.lang)}`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.title = t.remove;
      remove.setAttribute('aria-label', `${t.remove} ${f.name}`);
      remove.onclick = () => {
        this.files.splice(i, 1);
        this.render();
      };
      chip.append(remove);
      this.host.append(chip);
    });
    this.onChange();
  }
}
